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
            _qkv2.addmm_(_h, _transposed[4 * l], 0f, 1f);                                 // qkv = h·Wqkvᵀ     [NG, 3D]
            DecodeAttentionKernel.Step(_qkv, _lm.Rotary, _cache, l, position, _prefixMask, _heads, _headDim, _att); // [NG, 1, D]
            _x.addmm_(_att2, _transposed[4 * l + 1], 1f, 1f);                              // x += att·Woutᵀ
            Norm(block.MlpNorm, x, h);                                                       // h = norm(x)
            _gateUp.addmm_(_h, _transposed[4 * l + 2], 0f, 1f);                           // [NG, 2F]
            SwiGluKernel.Apply(DecodeAttentionKernel.Data(_gateUp), _rows, _hidden, DecodeAttentionKernel.Data(_act)); // [NG, F]
            _x.addmm_(_act, _transposed[4 * l + 3], 1f, 1f);                               // x += act·Wdownᵀ
        }
        Norm(_lm.FinalNorm, x, h);
        _logits.addmm_(_h, _transposed[^1], 0f, 1f);                                      // [NG, V] tied head
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
        foreach (var t in new[] { _x, _h, _qkv2, _qkv, _att2, _att, _gateUp, _act, _logits }) t.Dispose();
    }
}
