using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy;

/// <summary>
/// Multi-head causal self-attention of the language model: one fused QKV projection (no bias, Llama),
/// rotary positions, scaled_dot_product_attention, output projection. Optionally reads/writes a KV cache.
/// </summary>
public sealed class CausalSelfAttention : nn.Module
{
    private readonly Linear qkv; // D → 3D, fused so a decode step is one matmul
    private readonly Linear @out;
    private readonly int _heads;
    private readonly int _headDim;

    public CausalSelfAttention(int dim, int heads) : base(nameof(CausalSelfAttention))
    {
        _heads = heads;
        _headDim = dim / heads;
        qkv = nn.Linear(dim, 3 * dim, hasBias: false);
        @out = nn.Linear(dim, dim, hasBias: false);
        register_module("qkv", qkv);
        register_module("out", @out);
    }

    /// <param name="x">[B, T, D] normalised input.</param>
    /// <param name="rotary">position table.</param>
    /// <param name="mask">[B|1, 1, T, T_k] bool (true = attend) or additive float (0 / -inf), or null for plain causal over T_k = T.</param>
    /// <param name="cache">null for training/scoring; else keys/values are written at start..start+T-1.</param>
    /// <param name="start">position of x's first token.</param>
    public Tensor Forward(Tensor x, Rotary rotary, Tensor? mask, KvCache? cache, int layer, long start)
    {
        long b = x.shape[0], t = x.shape[1];
        using var proj = qkv.forward(x);                                    // [B, T, 3D]
        using var split = proj.view(b, t, 3, _heads, _headDim);           // [B, T, 3, H, hd]
        using var rot = rotary.Apply(split, start);                        // [B, T, 3, H, hd]
        using var q = rot.select(2, 0).transpose(1, 2);                    // [B, H, T, hd]
        Tensor k, v;
        if (cache is null || start == 0)
        {
            // Prefill / training: attend over this call's own keys (a prefill may have fewer rows than the cache).
            k = rot.select(2, 1).transpose(1, 2);                          // [B, H, T, hd]
            v = rot.select(2, 2).transpose(1, 2);
        }
        else
        {
            (k, v) = (null!, null!);
        }
        if (cache is not null)
        {
            using var kv = rot.narrow(2, 1, 2).permute(2, 0, 3, 1, 4);     // [2, B, H, T, hd]
            cache.Write(layer, kv, start);
            if (start > 0) (k, v) = cache.Read(layer, start + t);          // [B, H, start+T, hd]
        }
        using var kk = k;
        using var vv = v;
        if (t == 1 && start > 0) return @out.forward(DecodeAttention(q, kk, vv, mask)); // [B, 1, D]
        using var att = mask is null
            ? F.scaled_dot_product_attention(q, kk, vv, is_casual: true)
            // is_causal aligns top-left, wrong for a 1-query decode step against the cache (FINDINGS): pass the mask.
            : F.scaled_dot_product_attention(q, kk, vv, mask, is_casual: false); // [B, H, T, hd]
        using var merged = att.transpose(1, 2).reshape(b, t, _heads * _headDim); // [B, T, D]
        return @out.forward(merged);
    }

    /// <summary>
    /// One query per row against the cache, as two batched matmuls over B·H (1 × hd)·(hd × L) products.
    /// Measured: libtorch's CPU SDPA kernel spends ~3–5× longer on this shape than bmm + softmax + bmm
    /// (it tiles for long query blocks), and decode runs it once per layer per token.
    /// </summary>
    /// <param name="q">[B, H, 1, hd]</param>
    /// <param name="k">[B, H, L, hd] (a view of the cache)</param>
    /// <param name="mask">[B, 1, 1, L] additive float (0 / -inf) or null.</param>
    /// <returns>[B, 1, H·hd]</returns>
    private Tensor DecodeAttention(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        long b = q.shape[0], l = k.shape[2];
        using var qs = q.mul(1.0 / Math.Sqrt(_headDim));                                   // [B, H, 1, hd], contiguous
        using var q3 = qs.reshape(b * _heads, 1, _headDim);                                // [BH, 1, hd]
        using var k3 = k.reshape(b * _heads, l, _headDim);                                  // [BH, L, hd], a view
        using var v3 = v.reshape(b * _heads, l, _headDim);
        using var kt = k3.transpose(1, 2);                                                 // [BH, hd, L]
        using var scores = bmm(q3, kt);                                                    // [BH, 1, L]
        if (mask is not null)
        {
            using var s4 = scores.view(b, _heads, 1, l);                                   // [B, H, 1, L]
            if (mask.dtype == ScalarType.Bool)
            {
                using var hidden = mask.logical_not();
                s4.masked_fill_(hidden, float.NegativeInfinity);
            }
            else s4.add_(mask);                                                            // mask broadcasts over H
        }
        using var p = scores.softmax(-1);                                                  // [BH, 1, L]
        using var o = bmm(p, v3);                                                          // [BH, 1, hd]
        return o.view(b, 1, _heads * _headDim);                                            // [B, 1, D]: rows are (b, h) major
    }
}
