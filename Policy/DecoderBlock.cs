using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>One pre-norm Llama block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
public sealed class DecoderBlock : nn.Module
{
    private readonly RmsNorm attn_norm;
    private readonly CausalSelfAttention attn;
    private readonly RmsNorm mlp_norm;
    private readonly SwiGluMlp mlp;

    public DecoderBlock(int dim, int heads, int mlpHidden, double eps) : base(nameof(DecoderBlock))
    {
        attn_norm = new RmsNorm(dim, eps);
        attn = new CausalSelfAttention(dim, heads);
        mlp_norm = new RmsNorm(dim, eps);
        mlp = new SwiGluMlp(dim, mlpHidden);
        register_module("attn_norm", attn_norm);
        register_module("attn", attn);
        register_module("mlp_norm", mlp_norm);
        register_module("mlp", mlp);
    }

    internal RmsNorm AttnNorm => attn_norm;
    internal CausalSelfAttention Attention => attn;
    internal RmsNorm MlpNorm => mlp_norm;
    internal SwiGluMlp Mlp => mlp;

    /// <summary>The block over a prefix part [N, T0, D] and a completion part [N·G, Lc, D] (or null): <see cref="CausalSelfAttention.ForwardGrouped"/>.</summary>
    public (Tensor Prefix, Tensor? Completion) ForwardGrouped(Tensor xp, Tensor? xc, Rotary rotary, Tensor? prefixMask, Tensor? completionMask, int group)
    {
        using var h1p = attn_norm.forward(xp);
        using var h1c = xc is null ? null : attn_norm.forward(xc);
        var (ap, ac) = attn.ForwardGrouped(h1p, h1c, rotary, prefixMask, completionMask, group);
        using (ap) using (ac) return (AddMlp(xp, ap), xc is null ? null : AddMlp(xc, ac!));
    }

    /// <summary>x + a, then + mlp(norm(x + a)).</summary>
    private Tensor AddMlp(Tensor x, Tensor a)
    {
        using var y = x.add(a, Scalars.One);
        using var h2 = mlp_norm.forward(y);
        using var m = mlp.forward(h2);
        return y.add(m, Scalars.One); // not in place: mlp_norm saved y for backward
    }

    public Tensor Forward(Tensor x, Rotary rotary, Tensor? mask, KvCache? cache, int layer, long start) // [B, T, D]
    {
        using var h1 = attn_norm.forward(x);
        using var a = attn.Forward(h1, rotary, mask, cache, layer, start);
        return AddMlp(x, a);
    }
}
