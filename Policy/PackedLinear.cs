using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vrm.Policy;

/// <summary>
/// A linear layer's weight W [N, K] (nn.Linear layout) repacked once into 16-column panels, [N/16][K][16], and the
/// decode step's product y (+)= x·Wᵀ for a few dozen rows computed in C# (AVX2/FMA) on the calling thread, or split by
/// column panels over <see cref="Workers"/> threads.
/// </summary>
/// <remarks>
/// Why: at decode shapes (64 × 128 × 384 and alike, 2–13 MFLOP) every libtorch <c>addmm_</c> also wakes its OpenMP
/// worker, and when another process holds the second core the static OpenMP split waits for that worker: measured in a
/// real decode step under load, the 2-MFLOP output projection took 1.5 ms per layer (Policy/README.md, session 6).
/// Here no torch thread is involved; with 2 workers the panels are handed out by <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>,
/// whose calling thread keeps taking panels when the other worker is not scheduled.
/// The micro-kernel holds a 4-row × 16-column tile in 8 accumulators (8 independent FMA chains cover the FMA latency),
/// reading per k one packed 16-float row of the panel and 4 broadcast x values.
/// </remarks>
public sealed unsafe class PackedLinear : IDisposable
{
    private const int Panel = 16;
    private float* _packed; // [N/16][K][16]

    /// <summary>True when a weight of <paramref name="outFeatures"/> × <paramref name="inFeatures"/> can be packed here (AVX2/FMA, N a multiple of 16).</summary>
    public static bool Supports(int outFeatures, int inFeatures) =>
        Avx2.IsSupported && Fma.IsSupported && outFeatures > 0 && outFeatures % Panel == 0 && inFeatures > 0;

    /// <param name="weight">W [outFeatures, inFeatures] row-major, read once here (later changes to it are not seen).</param>
    public PackedLinear(float* weight, int outFeatures, int inFeatures)
    {
        if (!Supports(outFeatures, inFeatures))
            throw new ArgumentException($"packed linear takes a weight whose rows ({outFeatures}) are a positive multiple of {Panel} and columns ({inFeatures}) positive, on an AVX2/FMA CPU");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        _packed = (float*)NativeMemory.AlignedAlloc((nuint)((long)outFeatures * inFeatures * sizeof(float)), 32);
        for (int p = 0; p < outFeatures / Panel; p++)
            for (int j = 0; j < Panel; j++)
            {
                float* src = weight + (long)(p * Panel + j) * inFeatures;
                float* dst = _packed + (long)p * inFeatures * Panel + j;
                for (int k = 0; k < inFeatures; k++) dst[(long)k * Panel] = src[k];
            }
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }

    /// <summary>Threads the product may use: 1 unless VRM_DECODE_MATMUL_THREADS says otherwise.</summary>
    public static int Workers { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("VRM_DECODE_MATMUL_THREADS"), out var n) && n > 0 ? n : 1;

    /// <summary>y[r, :] = x[r, :]·Wᵀ (or += when <paramref name="accumulate"/>) for r &lt; rows; x [rows, K] and y [rows, N] contiguous.</summary>
    public void Apply(float* x, int rows, float* y, bool accumulate)
    {
        if (_packed is null) throw new ObjectDisposedException(nameof(PackedLinear));
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be >= 0");
        int panels = OutFeatures / Panel;
        int workers = Math.Min(Workers, panels);
        if (workers <= 1)
        {
            for (int p = 0; p < panels; p++) PanelProduct(x, rows, y, accumulate, p);
            return;
        }
        // Two panels per task: fewer hand-offs, still fine-grained enough that a descheduled worker holds back little.
        var self = this;
        nint xs = (nint)x, ys = (nint)y; // lambdas cannot capture pointers
        int tasks = (panels + 1) / 2;
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = workers }, t =>
        {
            self.PanelProduct((float*)xs, rows, (float*)ys, accumulate, 2 * t);
            if (2 * t + 1 < panels) self.PanelProduct((float*)xs, rows, (float*)ys, accumulate, 2 * t + 1);
        });
    }

    /// <summary>Columns 16p..16p+15 of y for every row.</summary>
    private void PanelProduct(float* x, int rows, float* y, bool accumulate, int p)
    {
        int k = InFeatures, n = OutFeatures;
        float* b = _packed + (long)p * k * Panel; // [K][16]
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            float* x0 = x + (long)r * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
            Vector256<float> c00 = Vector256<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            float* bk = b;
            for (int i = 0; i < k; i++, bk += Panel)
            {
                var b0 = Avx.LoadAlignedVector256(bk);
                var b1 = Avx.LoadAlignedVector256(bk + 8);
                var a = Avx.BroadcastScalarToVector256(x0 + i);
                c00 = Fma.MultiplyAdd(a, b0, c00); c01 = Fma.MultiplyAdd(a, b1, c01);
                a = Avx.BroadcastScalarToVector256(x1 + i);
                c10 = Fma.MultiplyAdd(a, b0, c10); c11 = Fma.MultiplyAdd(a, b1, c11);
                a = Avx.BroadcastScalarToVector256(x2 + i);
                c20 = Fma.MultiplyAdd(a, b0, c20); c21 = Fma.MultiplyAdd(a, b1, c21);
                a = Avx.BroadcastScalarToVector256(x3 + i);
                c30 = Fma.MultiplyAdd(a, b0, c30); c31 = Fma.MultiplyAdd(a, b1, c31);
            }
            float* y0 = y + (long)r * n + p * Panel;
            Store(y0, c00, c01, accumulate);
            Store(y0 + n, c10, c11, accumulate);
            Store(y0 + 2 * n, c20, c21, accumulate);
            Store(y0 + 3 * n, c30, c31, accumulate);
        }
        for (; r < rows; r++)
        {
            float* x0 = x + (long)r * k;
            Vector256<float> c0 = Vector256<float>.Zero, c1 = c0;
            float* bk = b;
            for (int i = 0; i < k; i++, bk += Panel)
            {
                var a = Avx.BroadcastScalarToVector256(x0 + i);
                c0 = Fma.MultiplyAdd(a, Avx.LoadAlignedVector256(bk), c0);
                c1 = Fma.MultiplyAdd(a, Avx.LoadAlignedVector256(bk + 8), c1);
            }
            Store(y + (long)r * n + p * Panel, c0, c1, accumulate);
        }
    }

    private static void Store(float* y, Vector256<float> lo, Vector256<float> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo += Avx.LoadVector256(y);
            hi += Avx.LoadVector256(y + 8);
        }
        Avx.Store(y, lo);
        Avx.Store(y + 8, hi);
    }

    public void Dispose()
    {
        if (_packed is null) return;
        NativeMemory.AlignedFree(_packed);
        _packed = null;
        GC.SuppressFinalize(this);
    }

    ~PackedLinear()
    {
        if (_packed is not null) NativeMemory.AlignedFree(_packed);
    }
}
