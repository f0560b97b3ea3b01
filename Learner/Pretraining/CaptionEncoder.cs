using TorchSharp;
using TorchSharp.Modules;
using Vrm.Policy;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Learner.Pretraining;

/// <summary>
/// The text side of CLIP-style pretraining: a small pre-norm transformer over caption tokens, masked mean
/// pooled and projected into the shared embedding space. Order matters in our captions ("a large red
/// circle and a small blue square" binds size and colour to shape), so a bag of words would not do.
/// It is discarded after pretraining; only the vision encoder is kept.
/// </summary>
public sealed class CaptionEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding tok;
    private readonly Parameter pos;
    private readonly ModuleList<CaptionBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;
    private readonly int _maxLen;

    public CaptionEncoder(int vocab, int dim, int layers, int heads, int maxLen, int embedDim) : base(nameof(CaptionEncoder))
    {
        _maxLen = maxLen;
        tok = nn.Embedding(vocab, dim);
        pos = nn.Parameter(randn(maxLen, dim) * 0.02f);
        blocks = new ModuleList<CaptionBlock>(Enumerable.Range(0, layers).Select(_ => new CaptionBlock(dim, heads)).ToArray());
        norm = nn.LayerNorm(dim);
        head = nn.Linear(dim, embedDim, hasBias: false);
        RegisterComponents();
    }

    public int MaxLength => _maxLen;

    /// <param name="ids">[B, L] int64 caption tokens (right-padded).</param>
    /// <param name="valid">[B, L] bool, true on real tokens.</param>
    /// <returns>[B, E] caption embeddings (not normalised).</returns>
    public override Tensor forward(Tensor ids, Tensor valid)
    {
        long len = ids.shape[1];
        var x = tok.forward(ids) + pos.narrow(0, 0, len);                    // [B, L, D]
        var keyMask = valid.unsqueeze(1).unsqueeze(1);                        // [B, 1, 1, L]
        foreach (var b in blocks) x = b.forward(x, keyMask);
        x = norm.forward(x);
        var w = valid.unsqueeze(-1).to(x.dtype);                              // [B, L, 1]
        var pooled = (x * w).sum(1) / w.sum(1).clamp_min(Scalars.One);        // [B, D] (a held Scalar: Vrm.Policy.Scalars)
        return head.forward(pooled);                                          // [B, E]
    }

    private sealed class CaptionBlock : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly LayerNorm ln1, ln2;
        private readonly Linear qkv, proj, fc1, fc2;
        private readonly int _heads;

        public CaptionBlock(int dim, int heads) : base(nameof(CaptionBlock))
        {
            _heads = heads;
            ln1 = nn.LayerNorm(dim);
            qkv = nn.Linear(dim, 3 * dim);
            proj = nn.Linear(dim, dim);
            ln2 = nn.LayerNorm(dim);
            fc1 = nn.Linear(dim, 4 * dim);
            fc2 = nn.Linear(4 * dim, dim);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x, Tensor keyMask)
        {
            long b = x.shape[0], l = x.shape[1], d = x.shape[2];
            var q_k_v = qkv.forward(ln1.forward(x)).view(b, l, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4); // [3, B, H, L, Dh]
            var att = F.scaled_dot_product_attention(q_k_v[0], q_k_v[1], q_k_v[2], keyMask);                 // [B, H, L, Dh]
            x = x + proj.forward(att.transpose(1, 2).reshape(b, l, d));                                      // [B, L, D]
            return x + fc2.forward(F.gelu(fc1.forward(ln2.forward(x))));
        }
    }
}
