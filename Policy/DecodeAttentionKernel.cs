using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// One cached decode step of attention on the CPU as a single C# pass over the cache memory, replacing
/// ~20 torch calls per layer (rotary 4, cache write 2, scale, 2 products and a cat per cache part, softmax,
/// add): for every (prompt n, head h), each of its G rows rotates its new q and k, writes k and v into the
/// cache's generated slot, scores q against the prompt's prefix keys (stored once, additive mask for left
/// pads) and against the row's own generated keys, takes one softmax over both parts and sums the values.
/// </summary>
/// <remarks>
/// Why: at batch 64 × d 128 a decode step is bound by per-call cost, not arithmetic — each of the torch
/// path's small batched BLAS calls (≈0.5 MFLOP) took 40–80 µs, ~0.45 ms of attention per layer
/// (Policy/README.md). The whole layer's attention here is ~4 MFLOP over ~1.5 MB of cache.
/// float32 on the CPU only; CUDA (and anything else) keeps the torch path in <see cref="CausalSelfAttention"/>,
/// which is also the reference the tests compare this kernel with.
/// </remarks>
public static unsafe class DecodeAttentionKernel
{
    /// <summary>True when the kernel can run on tensors like <paramref name="x"/> (float32 on the CPU).</summary>
    public static bool Supports(Tensor x) => x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32;

    /// <summary>
    /// Rotates q/k of the new token at <paramref name="position"/>, writes its k/v into <paramref name="cache"/>
    /// (generated index position − T0) and attends over the prefix and the generated tokens so far, itself included.
    /// </summary>
    /// <param name="qkv">[NG, 1, 3·H·hd] the fused projection before rotary (slots q, k, v; heads inside a slot).</param>
    /// <param name="prefixMask">[N, 1, 1, T0] additive float (0 / −inf for left pads) or null.</param>
    /// <param name="output">optional preallocated contiguous float32 [NG, 1, H·hd] (or [NG, H·hd]) to write into and return; null allocates.</param>
    /// <returns>[NG, 1, H·hd]: rows prompt-major, heads concatenated — what the output projection takes.</returns>
    public static Tensor Step(Tensor qkv, Rotary rotary, KvCache cache, int layer, long position, Tensor? prefixMask, int heads, int headDim, Tensor? output = null)
    {
        ArgumentNullException.ThrowIfNull(qkv);
        ArgumentNullException.ThrowIfNull(rotary);
        ArgumentNullException.ThrowIfNull(cache);
        long rows = cache.Rows, t0 = cache.PrefixLen, index = position - t0, dim = (long)heads * headDim;
        if (!Supports(qkv)) throw new ArgumentException($"decode attention kernel takes float32 CPU tensors (got {qkv.dtype} on {qkv.device_type})");
        if (qkv.dim() != 3 || qkv.shape[0] != rows || qkv.shape[1] != 1 || qkv.shape[2] != 3 * dim)
            throw new ArgumentException($"decode qkv [{string.Join(", ", qkv.shape)}] must be [{rows}, 1, {3 * dim}] ({cache.Prompts} prompts × {cache.Group} samples, 3 × {heads} heads × {headDim})");
        if (!qkv.is_contiguous()) throw new ArgumentException("decode qkv must be contiguous");
        if (index < 0 || index >= cache.MaxNew)
            throw new InvalidOperationException($"KV cache overflow: position {position} is generated index {index}, outside 0..{cache.MaxNew - 1}");
        if (prefixMask is not null && (!Supports(prefixMask) || prefixMask.numel() != cache.Prompts * t0 || !prefixMask.is_contiguous()
                                       || prefixMask.shape[0] != cache.Prompts || prefixMask.shape[^1] != t0))
            throw new ArgumentException($"prefix mask [{string.Join(", ", prefixMask.shape)}] must be a contiguous float32 CPU [{cache.Prompts}, 1, 1, {t0}]");
        var prefix = cache.PrefixStore(layer);       // [2, N, H, T0, hd]
        var generated = cache.GeneratedStore(layer); // [2, NG, H, maxNew, hd]
        if (prefix.shape[2] != heads || prefix.shape[4] != headDim)
            throw new ArgumentException($"cache heads/head dim {prefix.shape[2]}/{prefix.shape[4]} do not match the attention's {heads}/{headDim}");

        if (output is not null && (!Supports(output) || !output.is_contiguous() || output.numel() != rows * dim))
            throw new ArgumentException($"decode attention output [{string.Join(", ", output.shape)}] must be a contiguous float32 CPU tensor of {rows} × {dim}");
        output ??= empty([rows, 1, dim], dtype: float32, device: qkv.device); // [NG, 1, D]
        ReadOnlySpan<float> cos = rotary.HostCos(position), sin = rotary.HostSin(position); // [hd] each
        fixed (float* cosP = cos, sinP = sin)
        {
            float* prefixP = Data(prefix), generatedP = Data(generated);
            var job = new Job
            {
                Qkv = Data(qkv), Output = Data(output), Mask = prefixMask is null ? null : Data(prefixMask),
                KeysPrefix = prefixP, ValuesPrefix = prefixP + prefix.numel() / 2,
                KeysGenerated = generatedP, ValuesGenerated = generatedP + generated.numel() / 2,
                Cos = cosP, Sin = sinP, Scale = 1f / MathF.Sqrt(headDim),
                Group = (int)cache.Group, Heads = heads, HeadDim = headDim, PrefixLen = (int)t0,
                MaxNew = (int)cache.MaxNew, Index = (int)index,
            };
            int blocks = (int)cache.Prompts * heads;
            int workers = Math.Min(Math.Min(MaxWorkers, Environment.ProcessorCount), blocks);
            // Worker threads are fine: this touches no torch state, and the calling (torch) thread waits here.
            if (workers <= 1)
                for (int b = 0; b < blocks; b++) job.Block(b);
            else
                Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = workers }, job.Block);
        }
        GC.KeepAlive(qkv);
        GC.KeepAlive(prefixMask);
        return output;
    }

    /// <summary>The kernel's worker threads: 1 unless VRM_DECODE_ATTENTION_THREADS says otherwise. Measured on a quiet
    /// machine, one binary, vrm bench policy three times each way: 1 worker decoded at 7.1 / 6.8 / 7.1 ms per step (sampling
    /// ratio 0.18 / 0.21 / 0.22), 2 workers at 7.2 / 8.7 / 12.8 ms (0.17 / 0.16 / 0.14) — libtorch's OpenMP threads spin
    /// for a while after each parallel op, and a second kernel worker only competes with them on 2 cores.</summary>
    public static int MaxWorkers { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("VRM_DECODE_ATTENTION_THREADS"), out var n) && n > 0 ? n : 1;

    // TorchSharp exposes no public data pointer (TensorAccessor keeps it private); LibTorchSharp's own export is
    // at::Tensor::data_ptr(), i.e. the first element of the view, storage offset included.
    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);

    internal static float* Data(Tensor t)
    {
        var p = THSTensor_data(t.Handle);
        if (p == IntPtr.Zero) throw new InvalidOperationException("LibTorchSharp returned no data pointer for a tensor");
        return (float*)p;
    }

    /// <summary>One decode step's pointers and sizes; <see cref="Block"/> does one (prompt, head).</summary>
    private struct Job
    {
        public float* Qkv;             // [NG, 3, H, hd]
        public float* Output;          // [NG, H, hd]
        public float* Mask;            // [N, T0] additive, or null
        public float* KeysPrefix;      // [N, H, T0, hd]
        public float* ValuesPrefix;    // [N, H, T0, hd]
        public float* KeysGenerated;   // [NG, H, maxNew, hd]
        public float* ValuesGenerated; // [NG, H, maxNew, hd]
        public float* Cos, Sin;        // [hd] at this position
        public float Scale;            // 1/√hd, folded into q
        public int Group, Heads, HeadDim, PrefixLen, MaxNew, Index;

        /// <summary>Block = prompt·H + head: the prompt's G rows share the prefix keys/values, which stay in L1 (~24 KB).</summary>
        public readonly void Block(int block)
        {
            int n = block / Heads, h = block % Heads, hd = HeadDim, dim = Heads * hd, t0 = PrefixLen, lg = Index + 1;
            float* q = stackalloc float[hd];
            float* scores = stackalloc float[t0 + lg];
            float* kp = KeysPrefix + (long)block * t0 * hd;   // [T0, hd]
            float* vp = ValuesPrefix + (long)block * t0 * hd;
            float* mask = Mask is null ? null : Mask + (long)n * t0;
            for (int g = 0; g < Group; g++)
            {
                long row = (long)n * Group + g;
                float* src = Qkv + row * 3 * dim + (long)h * hd;                     // this row's q; k at +dim, v at +2·dim
                long slot = (row * Heads + h) * MaxNew;
                float* kg = KeysGenerated + slot * hd;                              // [maxNew, hd], first lg written after this
                float* vg = ValuesGenerated + slot * hd;
                // --- rotary on q (with the softmax scale) and k; k and v of this token go to the cache ---
                Rotate(src, q, Cos, Sin, hd, Scale);
                Rotate(src + dim, kg + (long)Index * hd, Cos, Sin, hd, 1f);
                new ReadOnlySpan<float>(src + 2 * dim, hd).CopyTo(new Span<float>(vg + (long)Index * hd, hd));
                // --- scores over [prefix | generated], one softmax ---
                Scores(q, kp, t0, hd, scores);
                if (mask is not null) Add(scores, mask, t0);
                Scores(q, kg, lg, hd, scores + t0);
                float inverseSum = 1f / SoftmaxNumerators(scores, t0 + lg);
                // --- weighted sum of values ---
                float* o = Output + row * dim + (long)h * hd;
                WeightedSum(scores, vp, t0, scores + t0, vg, lg, hd, inverseSum, o);
            }
        }
    }

    /// <summary>Rotate-half RoPE (as <see cref="Rotary"/>): y = x·cos + rot(x)·sin, rot(x) = [−x₂, x₁]; times <paramref name="scale"/>.</summary>
    private static void Rotate(float* x, float* y, float* cos, float* sin, int hd, float scale)
    {
        int half = hd / 2;
        for (int j = 0; j < half; j++)
        {
            float a = x[j], b = x[j + half];
            y[j] = (a * cos[j] - b * sin[j]) * scale;
            y[j + half] = (b * cos[j + half] + a * sin[j + half]) * scale;
        }
    }

    /// <summary>dst[t] = q · keys[t] for t &lt; count; keys [count, hd]. Four keys per pass share one horizontal reduction.</summary>
    private static void Scores(float* q, float* keys, int count, int hd, float* dst)
    {
        int t = 0;
        if (Avx.IsSupported && Fma.IsSupported && hd % 8 == 0)
        {
            for (; t + 4 <= count; t += 4)
            {
                float* k0 = keys + (long)t * hd;
                Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                for (int c = 0; c < hd; c += 8)
                {
                    var qc = Avx.LoadVector256(q + c);
                    a0 = Fma.MultiplyAdd(qc, Avx.LoadVector256(k0 + c), a0);
                    a1 = Fma.MultiplyAdd(qc, Avx.LoadVector256(k0 + hd + c), a1);
                    a2 = Fma.MultiplyAdd(qc, Avx.LoadVector256(k0 + 2 * hd + c), a2);
                    a3 = Fma.MultiplyAdd(qc, Avx.LoadVector256(k0 + 3 * hd + c), a3);
                }
                // hadd(hadd(a0, a1), hadd(a2, a3)): lane i of each 128-bit half holds a partial sum of key i.
                var s = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
                Sse.Store(dst + t, Sse.Add(s.GetLower(), s.GetUpper()));
            }
        }
        for (; t < count; t++) dst[t] = Dot(q, keys + (long)t * hd, hd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        var acc = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8) acc += Vector256.Load(a + i) * Vector256.Load(b + i);
        float sum = Vector256.Sum(acc);
        for (; i < n; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void Add(float* dst, float* src, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] += src[i];
    }

    /// <summary>Replaces s with exp(s − max s) in place; returns their sum (≥ 1: the max term is exp 0).</summary>
    private static float SoftmaxNumerators(float* s, int n)
    {
        int i = 0;
        var mv = Vector256.Create(float.NegativeInfinity);
        for (; i + 8 <= n; i += 8) mv = Vector256.Max(mv, Vector256.Load(s + i));
        float max = float.NegativeInfinity;
        for (int l = 0; l < 8; l++) max = MathF.Max(max, mv[l]);
        for (; i < n; i++) max = MathF.Max(max, s[i]);
        var maxV = Vector256.Create(max);
        var sumV = Vector256<float>.Zero;
        i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var e = Exp(Vector256.Load(s + i) - maxV);
            Vector256.Store(e, s + i);
            sumV += e;
        }
        float sum = Vector256.Sum(sumV);
        for (; i < n; i++) { float e = MathF.Exp(s[i] - max); s[i] = e; sum += e; }
        return sum;
    }

    /// <summary>
    /// exp for x ≤ 0 (scores minus their max), Cephes expf: x = k·ln2 + r, |r| ≤ ln2/2, e^r by a degree-6
    /// polynomial (relative error ~1e-7), 2^k put in the exponent bits. Measured ~4× faster here than
    /// Vector256.Exp, and exp runs on every score. Inputs below −87.3 (masked −inf included) give ~1e-38, not 0:
    /// weights that small vanish against the max term's 1 in the sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87.3f));
        var k = Vector256.Floor(Vector256.FusedMultiplyAdd(x, Vector256.Create(1.44269504088896341f), Vector256.Create(0.5f)));
        var r = Vector256.FusedMultiplyAdd(k, Vector256.Create(-0.693359375f), x);  // ln2 in two parts: exact k·hi
        r = Vector256.FusedMultiplyAdd(k, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        var scale = (Vector256.ConvertToInt32(k) + Vector256.Create(127)) << 23;       // 2^k, k in −126..0
        return p * scale.AsSingle();
    }

    /// <summary>o = (Σ pa[t]·va[t] + Σ pb[t]·vb[t]) · inverseSum over [count, hd] value rows.</summary>
    private static void WeightedSum(float* pa, float* va, int na, float* pb, float* vb, int nb, int hd, float inverseSum, float* o)
    {
        int c = 0;
        // 16 columns per pass, 4 keys in flight (8 accumulators): one accumulator per column block would make every
        // FMA wait for the previous one (latency ~4 cycles), which measured 3.2 ns per key at hd 32.
        for (; c + 16 <= hd; c += 16)
        {
            var (x0, x1) = Accumulate16(pa, va, na, hd, c);
            var (y0, y1) = Accumulate16(pb, vb, nb, hd, c);
            Vector256.Store((x0 + y0) * inverseSum, o + c);
            Vector256.Store((x1 + y1) * inverseSum, o + c + 8);
        }
        for (; c < hd; c++)
        {
            float acc = 0f;
            for (int t = 0; t < na; t++) acc += pa[t] * va[(long)t * hd + c];
            for (int t = 0; t < nb; t++) acc += pb[t] * vb[(long)t * hd + c];
            o[c] = acc * inverseSum;
        }
    }

    /// <summary>Σ_t p[t]·v[t, c..c+16) over <paramref name="n"/> value rows of stride <paramref name="hd"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Lo, Vector256<float> Hi) Accumulate16(float* p, float* v, int n, int hd, int c)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        float* row = v + c;
        int t = 0;
        for (; t + 4 <= n; t += 4, row += 4 * hd)
        {
            var w0 = Vector256.Create(p[t]); var w1 = Vector256.Create(p[t + 1]);
            var w2 = Vector256.Create(p[t + 2]); var w3 = Vector256.Create(p[t + 3]);
            a0 = Vector256.FusedMultiplyAdd(w0, Vector256.Load(row), a0);
            a1 = Vector256.FusedMultiplyAdd(w0, Vector256.Load(row + 8), a1);
            b0 = Vector256.FusedMultiplyAdd(w1, Vector256.Load(row + hd), b0);
            b1 = Vector256.FusedMultiplyAdd(w1, Vector256.Load(row + hd + 8), b1);
            c0 = Vector256.FusedMultiplyAdd(w2, Vector256.Load(row + 2 * hd), c0);
            c1 = Vector256.FusedMultiplyAdd(w2, Vector256.Load(row + 2 * hd + 8), c1);
            d0 = Vector256.FusedMultiplyAdd(w3, Vector256.Load(row + 3 * hd), d0);
            d1 = Vector256.FusedMultiplyAdd(w3, Vector256.Load(row + 3 * hd + 8), d1);
        }
        for (; t < n; t++, row += hd)
        {
            var w = Vector256.Create(p[t]);
            a0 = Vector256.FusedMultiplyAdd(w, Vector256.Load(row), a0);
            a1 = Vector256.FusedMultiplyAdd(w, Vector256.Load(row + 8), a1);
        }
        return ((a0 + b0) + (c0 + d0), (a1 + b1) + (c1 + d1));
    }
}
