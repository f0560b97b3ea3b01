using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// A cached decode step of the <see cref="LanguageModel"/> on the CPU with every per-step buffer allocated once per
/// generate call: token ids (host) → embedding rows → N blocks → final norm → logits [NG, V].
/// The only torch calls left are the five matmuls per step kinds (qkv, out, gate_up, down per layer; the LM head),
/// each an in-place <c>addmm_</c> into a preallocated buffer — the out and down projections add straight into the
/// residual stream (β = 1). Embedding lookup, RMSNorm, SwiGLU's silu·up and attention (rotary, cache write, softmax)
/// run in C# over the same memory (<see cref="RmsNormKernel"/>, <see cref="SwiGluKernel"/>, <see cref="DecodeAttentionKernel"/>).
/// </summary>
/// <remarks>
/// Why: a decode step at batch 64 × d 128 is bound by per-call cost (Policy/README.md): the module path makes ~22
/// torch calls per layer of 4–12 µs each plus allocations; this one makes 4. Same math as the module path
/// (<see cref="DecoderBlock.Forward"/>); a test compares the two. float32 CPU only; CUDA keeps the module path.
/// </remarks>
public sealed unsafe class HostDecodeStep : IDisposable
{
    private readonly LanguageModel _lm;
    private readonly KvCache _cache;
    private readonly Tensor? _prefixMask;
    private readonly int _rows, _dim, _hidden, _vocab, _heads, _headDim;
    private readonly Tensor _x;        // [NG, D] residual stream
    private readonly Tensor _h;        // [NG, D] normed input of a projection
    private readonly Tensor _qkv;      // [NG, 1, 3D]
    private readonly Tensor _qkv2;     // [NG, 3D] view of _qkv for addmm_
    private readonly Tensor _att;      // [NG, 1, D] attention output
    private readonly Tensor _att2;     // [NG, D] view
    private readonly Tensor _gateUp;   // [NG, 2F]
    private readonly Tensor _act;      // [NG, F]
    private readonly Tensor _logits;   // [NG, V]
    private readonly Tensor[] _transposed; // Wᵀ views: per layer qkv, out, gate_up, down; then the head
    private readonly PackedLinear[]? _packed; // the same weights packed for the C# product (null: torch addmm_)

    /// <summary>The projections and the head run as <see cref="PackedLinear"/> products (default) instead of libtorch
    /// <c>addmm_</c>; false (or VRM_DECODE_TORCH_MATMUL=1) keeps libtorch, for A/B runs and as the tests' reference.</summary>
    public static bool HostMatmul { get; set; } = Environment.GetEnvironmentVariable("VRM_DECODE_TORCH_MATMUL") != "1";

    /// <summary>True when the model's LM can take this path: float32 weights on the CPU.</summary>
    public static bool Supports(LanguageModel lm) => lm.EmbeddingWeight.device_type == DeviceType.CPU && lm.EmbeddingWeight.dtype == ScalarType.Float32;

    /// <param name="prefixMask">[N, 1, 1, T0] additive float (left pads), as for <see cref="DecodeAttentionKernel.Step"/>; or null.</param>
    public HostDecodeStep(LanguageModel lm, KvCache cache, Tensor? prefixMask)
    {
        ArgumentNullException.ThrowIfNull(lm);
        ArgumentNullException.ThrowIfNull(cache);
        if (!Supports(lm)) throw new ArgumentException($"host decode step takes a float32 CPU model (got {lm.EmbeddingWeight.dtype} on {lm.EmbeddingWeight.device_type})");
        var cfg = lm.Config;
        _lm = lm;
        _cache = cache;
        _prefixMask = prefixMask;
        _rows = checked((int)cache.Rows);
        _dim = cfg.Dim;
        _hidden = cfg.MlpHidden;
        _vocab = cfg.VocabSize;
        _heads = cfg.Heads;
        _headDim = cfg.HeadDim;
        _x = empty(_rows, _dim);
        _h = empty(_rows, _dim);
        _qkv = empty(_rows, 1, 3 * _dim);
        _qkv2 = _qkv.view(_rows, 3 * _dim);
        _att = empty(_rows, 1, _dim);
        _att2 = _att.view(_rows, _dim);
        _gateUp = empty(_rows, 2 * _hidden);
        _act = empty(_rows, _hidden);
        _logits = empty(_rows, _vocab);
        var t = new List<Tensor>();
        foreach (var block in lm.Layers)
        {
            t.Add(block.Attention.QkvWeight.t());
            t.Add(block.Attention.OutWeight.t());
            t.Add(block.Mlp.GateUpWeight.t());
            t.Add(block.Mlp.DownWeight.t());
        }
        t.Add(lm.EmbeddingWeight.t());
        _transposed = t.ToArray();
        if (!lm.EmbeddingWeight.is_contiguous()) throw new ArgumentException("host decode step needs a contiguous embedding matrix");
        // Packed per generate call: the weights change between training steps, and packing 0.9 M floats is ~1 ms.
        if (HostMatmul && _transposed.All(w => PackedLinear.Supports((int)w.shape[1], (int)w.shape[0]) && w.t().is_contiguous()))
            _packed = _transposed.Select(w => { using var wt = w.t(); return new PackedLinear(DecodeAttentionKernel.Data(wt), (int)wt.shape[0], (int)wt.shape[1]); }).ToArray();
    }

    /// <summary>Logits [NG, V] of the last <see cref="Run"/>; overwritten by the next.</summary>
    public Tensor Logits => _logits;

    /// <summary>Feeds token <paramref name="tokens"/>[r] of every row at <paramref name="position"/> (writing the cache) and
    /// leaves the next-token logits in <see cref="Logits"/>. Call under no_grad.</summary>
    public void Run(ReadOnlySpan<int> tokens, long position)
    {
        if (tokens.Length != _rows) throw new ArgumentException($"host decode step takes {_rows} tokens (got {tokens.Length})");
        float* x = DecodeAttentionKernel.Data(_x), h = DecodeAttentionKernel.Data(_h);
        float* embed = DecodeAttentionKernel.Data(_lm.EmbeddingWeight);
        for (int r = 0; r < _rows; r++)
        {
            int id = tokens[r];
            if ((uint)id >= (uint)_vocab) throw new ArgumentException($"token id {id} of row {r} is outside the vocabulary [0, {_vocab})");
            new ReadOnlySpan<float>(embed + (long)id * _dim, _dim).CopyTo(new Span<float>(x + (long)r * _dim, _dim)); // [D]
        }
        for (int l = 0; l < _lm.Layers.Count; l++)
        {
            var block = _lm.Layers[l];
            Norm(block.AttnNorm, x, h);                                                      // h = norm(x)       [NG, D]
            Project(4 * l, _h, _qkv2, accumulate: false);                                   // qkv = h·Wqkvᵀ     [NG, 3D]
            DecodeAttentionKernel.Step(_qkv, _lm.Rotary, _cache, l, position, _prefixMask, _heads, _headDim, _att); // [NG, 1, D]
            Project(4 * l + 1, _att2, _x, accumulate: true);                                 // x += att·Woutᵀ
            Norm(block.MlpNorm, x, h);                                                       // h = norm(x)
            Project(4 * l + 2, _h, _gateUp, accumulate: false);                             // [NG, 2F]
            SwiGluKernel.Apply(DecodeAttentionKernel.Data(_gateUp), _rows, _hidden, DecodeAttentionKernel.Data(_act)); // [NG, F]
            Project(4 * l + 3, _act, _x, accumulate: true);                                  // x += act·Wdownᵀ
        }
        Norm(_lm.FinalNorm, x, h);
        Project(_transposed.Length - 1, _h, _logits, accumulate: false);                    // [NG, V] tied head
    }

    /// <summary>y (+)= x·Wᵀ for weight <paramref name="index"/> of <see cref="_transposed"/>; x [NG, K], y [NG, N].</summary>
    private void Project(int index, Tensor x, Tensor y, bool accumulate)
    {
        if (_packed is null) y.addmm_(x, _transposed[index], accumulate ? 1f : 0f, 1f);
        else _packed[index].Apply(DecodeAttentionKernel.Data(x), _rows, DecodeAttentionKernel.Data(y), accumulate);
    }

    private void Norm(RmsNorm norm, float* x, float* y)
    {
        var w = norm.Weight;
        RmsNormKernel.Apply(x, DecodeAttentionKernel.Data(w), _rows, _dim, (float)norm.Eps, y);
        GC.KeepAlive(w);
    }

    public void Dispose()
    {
        foreach (var t in _transposed) t.Dispose();
        if (_packed is not null) foreach (var p in _packed) p.Dispose();
        foreach (var t in new[] { _x, _h, _qkv2, _qkv, _att2, _att, _gateUp, _act, _logits }) t.Dispose();
    }
}
