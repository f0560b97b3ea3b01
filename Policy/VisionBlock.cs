using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy;

/// <summary>One pre-norm ViT block: x + attn(ln(x)), then + mlp(ln(x)); bidirectional attention, GELU MLP.</summary>
public sealed class VisionBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly VisionAttention attn;
    private readonly LayerNorm norm2;
    private readonly VisionMlp mlp;

    public VisionBlock(int dim, int heads, int mlpHidden, double eps) : base(nameof(VisionBlock))
    {
        norm1 = nn.LayerNorm(dim, eps);
        attn = new VisionAttention(dim, heads);
        norm2 = nn.LayerNorm(dim, eps);
        mlp = new VisionMlp(dim, mlpHidden);
        register_module("norm1", norm1);
        register_module("attn", attn);
        register_module("norm2", norm2);
        register_module("mlp", mlp);
    }

    public override Tensor forward(Tensor x) // [B, P, D]
    {
        using var h1 = norm1.forward(x);
        using var a = attn.forward(h1);
        using var y = x.add(a, Scalars.One);
        using var h2 = norm2.forward(y);
        using var m = mlp.forward(h2);
        return y.add(m, Scalars.One);
    }
}

/// <summary>ViT multi-head self-attention over patches (no mask: every patch sees every patch).</summary>
public sealed class VisionAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear @out;
    private readonly int _heads;

    public VisionAttention(int dim, int heads) : base(nameof(VisionAttention))
    {
        _heads = heads;
        qkv = nn.Linear(dim, 3 * dim);
        @out = nn.Linear(dim, dim);
        register_module("qkv", qkv);
        register_module("out", @out);
    }

    public override Tensor forward(Tensor x) // [B, P, D]
    {
        long b = x.shape[0], p = x.shape[1], d = x.shape[2];
        using var proj = qkv.forward(x);                                          // [B, P, 3D]
        using var split = proj.view(b, p, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4); // [3, B, H, P, hd]
        using var q = split[0];
        using var k = split[1];
        using var v = split[2];
        using var att = F.scaled_dot_product_attention(q, k, v);                  // [B, H, P, hd]
        using var merged = att.transpose(1, 2).reshape(b, p, d);                  // [B, P, D]
        return @out.forward(merged);
    }
}

/// <summary>ViT MLP: fc2(gelu(fc1(x))).</summary>
public sealed class VisionMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public VisionMlp(int dim, int hidden) : base(nameof(VisionMlp))
    {
        fc1 = nn.Linear(dim, hidden);
        fc2 = nn.Linear(hidden, dim);
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.forward(x);
        using var g = F.gelu(h);
        return fc2.forward(g);
    }
}
