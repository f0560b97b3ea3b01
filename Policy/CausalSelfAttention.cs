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

    /// <summary>
    /// Cached decode steps on float32 CPU tensors run <see cref="DecodeAttentionKernel"/> (default); false keeps the
    /// torch path, which CUDA always takes and the tests use as the reference.
    /// </summary>
    public bool FusedCpuDecode { get; set; } = true;

    /// <summary>[3D, D] fused projection weight (slots q, k, v).</summary>
    internal Tensor QkvWeight => qkv.weight!;
    /// <summary>[D, D].</summary>
    internal Tensor OutWeight => @out.weight!;
    internal int Heads => _heads;
    internal int HeadDim => _headDim;

    /// <param name="x">[B, T, D] normalised input.</param>
    /// <param name="rotary">position table.</param>
    /// <param name="mask">Training/prefill: [B|1, 1, T, T] bool (true = attend) or additive float (0 / -inf), or null for plain
    /// causal. Decode (T = 1 against a cache): the prefix key mask [N, 1, 1, T0], additive float, or null.</param>
    /// <param name="cache">null for training/scoring; else the prefill (start = 0) writes the prefix and each decode step
    /// (T = 1, start ≥ T0) writes one generated position.</param>
    /// <param name="start">position of x's first token.</param>
    public Tensor Forward(Tensor x, Rotary rotary, Tensor? mask, KvCache? cache, int layer, long start)
    {
        long b = x.shape[0], t = x.shape[1];
        if (cache is not null && start > 0 && (t != 1 || start < cache.PrefixLen))
            throw new InvalidOperationException($"a cached decode step takes one token at a position >= the prefix length {cache.PrefixLen} (got {t} at {start})");
        using var proj = qkv.forward(x);                                    // [B, T, 3D]
        if (cache is not null && start > 0 && FusedCpuDecode && DecodeAttentionKernel.Supports(proj))
        {
            // Rotary, the cache write and attention in one C# pass (DecodeAttentionKernel: the torch calls cost more than their arithmetic here).
            using var fused = DecodeAttentionKernel.Step(proj, rotary, cache, layer, start, mask, _heads, _headDim); // [NG, 1, D]
            return @out.forward(fused);
        }
        using var split = proj.view(b, t, 3, _heads, _headDim);           // [B, T, 3, H, hd]
        using var rot = rotary.Apply(split, start);                        // [B, T, 3, H, hd]
        using var q = rot.select(2, 0).transpose(1, 2);                    // [B, H, T, hd]
        if (cache is not null && start > 0)
        {
            using (var kv = rot.narrow(2, 1, 2).permute(2, 0, 3, 1, 4))        // [2, NG, H, 1, hd]
                cache.WriteGenerated(layer, kv, start - cache.PrefixLen);
            return @out.forward(DecodeAttention(q, cache, layer, start - cache.PrefixLen + 1, mask)); // [NG, 1, D]
        }
        using var k = rot.select(2, 1).transpose(1, 2);                    // [B, H, T, hd]
        using var v = rot.select(2, 2).transpose(1, 2);
        if (cache is not null)
        {
            using var kv = rot.narrow(2, 1, 2).permute(2, 0, 3, 1, 4);     // [2, N, H, T0, hd]
            cache.WritePrefix(layer, kv);
        }
        using var att = mask is null
            ? F.scaled_dot_product_attention(q, k, v, is_casual: true)
            : F.scaled_dot_product_attention(q, k, v, mask, is_casual: false); // [B, H, T, hd]
        using var merged = att.transpose(1, 2).reshape(b, t, _heads * _headDim); // [B, T, D]
        return @out.forward(merged);
    }

    /// <summary>
    /// Teacher-forced attention for N prompts × G completions that share each prompt's prefix
    /// (<see cref="GroupedLayout"/>): the prefix rows attend among themselves as in <see cref="Forward"/>; each
    /// completion row attends to its prompt's prefix keys (computed once, repeated to the G rows, so their gradient
    /// sums over the group) and to its own earlier completion keys.
    /// </summary>
    /// <param name="xp">[N, T0, D] normalised prefix input at positions 0..T0−1.</param>
    /// <param name="xc">[N·G, Lc, D] normalised completion input at positions T0..T0+Lc−1, or null (Lc = 0).</param>
    /// <param name="prefixMask">[N, 1, T0, T0] bool, or null when no prompt is left-padded (plain causal).</param>
    /// <param name="completionMask">[N·G, 1, Lc, T0 + Lc] bool (<see cref="GroupedLayout.CompletionAttentionMask"/>).</param>
    /// <returns>([N, T0, D], [N·G, Lc, D] or null)</returns>
    public (Tensor Prefix, Tensor? Completion) ForwardGrouped(Tensor xp, Tensor? xc, Rotary rotary, Tensor? prefixMask, Tensor? completionMask, int group)
    {
        long n = xp.shape[0], t0 = xp.shape[1];
        using var projP = qkv.forward(xp);                                       // [N, T0, 3D]
        using var splitP = projP.view(n, t0, 3, _heads, _headDim);               // [N, T0, 3, H, hd]
        using var rotP = rotary.Apply(splitP, 0);
        using var qp = rotP.select(2, 0).transpose(1, 2);                        // [N, H, T0, hd]
        using var kp = rotP.select(2, 1).transpose(1, 2);
        using var vp = rotP.select(2, 2).transpose(1, 2);
        using var attP = prefixMask is null
            ? F.scaled_dot_product_attention(qp, kp, vp, is_casual: true)
            : F.scaled_dot_product_attention(qp, kp, vp, prefixMask, is_casual: false); // [N, H, T0, hd]
        using var mergedP = attP.transpose(1, 2).reshape(n, t0, _heads * _headDim); // [N, T0, D]
        var outP = @out.forward(mergedP);
        if (xc is null) return (outP, null);

        long rows = xc.shape[0], lc = xc.shape[1];
        using var projC = qkv.forward(xc);                                       // [NG, Lc, 3D]
        using var splitC = projC.view(rows, lc, 3, _heads, _headDim);            // [NG, Lc, 3, H, hd]
        using var rotC = rotary.Apply(splitC, t0);
        using var qc = rotC.select(2, 0).transpose(1, 2);                        // [NG, H, Lc, hd]
        using var kc = rotC.select(2, 1).transpose(1, 2);
        using var vc = rotC.select(2, 2).transpose(1, 2);
        using var kpg = kp.repeat_interleave(group, 0);                          // [NG, H, T0, hd]
        using var vpg = vp.repeat_interleave(group, 0);
        using var keys = cat([kpg, kc], 2);                                      // [NG, H, T0+Lc, hd]
        using var values = cat([vpg, vc], 2);
        using var attC = F.scaled_dot_product_attention(qc, keys, values, completionMask, is_casual: false); // [NG, H, Lc, hd]
        using var mergedC = attC.transpose(1, 2).reshape(rows, lc, _heads * _headDim); // [NG, Lc, D]
        return (outP, @out.forward(mergedC));
    }

    /// <summary>
    /// One query per row against the cache, with the prefix shared by each prompt's G rows (cascade attention):
    /// prefix scores are one G-row product per (prompt, head) against keys stored once; the few generated keys are
    /// N·G·H one-row products; one softmax over both parts, then the two weighted sums are added.
    /// Measured: libtorch's CPU SDPA kernel spends ~3–5× longer on a 1-query shape than bmm + softmax + bmm (it tiles
    /// for long query blocks), and decode runs attention once per layer per token.
    /// </summary>
    /// <param name="q">[NG, H, 1, hd]</param>
    /// <param name="generated">generated positions to attend, including this step's.</param>
    /// <param name="prefixMask">[N, 1, 1, T0] additive float (0 / -inf: left pads) or null.</param>
    /// <returns>[NG, 1, H·hd]</returns>
    private Tensor DecodeAttention(Tensor q, KvCache cache, int layer, long generated, Tensor? prefixMask)
    {
        long n = cache.Prompts, g = cache.Group, rows = n * g, t0 = cache.PrefixLen, lg = generated;
        if (q.shape[0] != rows) throw new ArgumentException($"decode batch {q.shape[0]} does not match the cache's {n} prompts × {g} samples");
        var (kp, vp) = cache.Prefix(layer);                                                 // [N, H, T0, hd]
        var (kg, vg) = cache.Generated(layer, lg);                                          // [NG, H, Lg, hd]
        using var kpp = kp; using var vpp = vp; using var kgg = kg; using var vgg = vg;
        using var qs = q.mul(1.0 / Math.Sqrt(_headDim)).reshape(rows, _heads, _headDim);   // [NG, H, hd]
        // Prefix part: per (prompt, head), G queries × T0 keys.
        using var qp = qs.view(n, g, _heads, _headDim).transpose(1, 2);                    // [N, H, G, hd]
        using var kpt = kpp.transpose(2, 3);                                                 // [N, H, hd, T0]
        using var sp = matmul(qp, kpt);                                                      // [N, H, G, T0]
        if (prefixMask is not null) sp.add_(prefixMask, Scalars.One);                                     // broadcasts over H and G
        // Generated part: per (row, head), one query × Lg keys.
        using var q3 = qs.view(rows * _heads, 1, _headDim);                                  // [NGH, 1, hd]
        using var kg3 = kgg.reshape(rows * _heads, lg, _headDim);                            // [NGH, Lg, hd], a view
        using var kgt = kg3.transpose(1, 2);                                                 // [NGH, hd, Lg]
        using var sg = bmm(q3, kgt);                                                         // [NGH, 1, Lg]
        using var sgv = sg.view(n, g, _heads, lg).transpose(1, 2);                           // [N, H, G, Lg]
        using var scores = cat([sp, sgv], -1);                                               // [N, H, G, T0+Lg]
        using var p = scores.softmax(-1);
        using var pp = p.narrow(3, 0, t0);                                                   // [N, H, G, T0]
        using var op = matmul(pp, vpp);                                                      // [N, H, G, hd]
        using var pg = p.narrow(3, t0, lg).transpose(1, 2).reshape(rows * _heads, 1, lg);   // [NGH, 1, Lg]
        using var vg3 = vgg.reshape(rows * _heads, lg, _headDim);                            // [NGH, Lg, hd]
        var og = bmm(pg, vg3).view(n, g, _heads, _headDim);                                 // [N, G, H, hd]
        using var opt = op.transpose(1, 2);                                                  // [N, G, H, hd]
        og.add_(opt, Scalars.One);
        return og.view(rows, 1, _heads * _headDim);                                          // [NG, 1, D]: rows are (prompt, sample) major
    }
}
