using TorchSharp;
using TorchSharp.Modules;
using Vrm.Policy.Config;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy;

/// <summary>
/// The decoder-only language model φ, Llama-style: token embedding, N pre-norm blocks (RMSNorm, rotary
/// attention, SwiGLU), a final RMSNorm, and an LM head tied to the embedding matrix.
/// It works on embeddings, not ids, so visual tokens can be spliced into the sequence by the caller.
/// </summary>
public sealed class LanguageModel : nn.Module
{
    private readonly Embedding embed;
    private readonly ModuleList<DecoderBlock> layers;
    private readonly RmsNorm norm;
    private readonly Rotary rotary;

    public LanguageModel(LanguageModelConfig cfg) : base(nameof(LanguageModel))
    {
        Config = cfg;
        embed = nn.Embedding(cfg.VocabSize, cfg.Dim);
        layers = new ModuleList<DecoderBlock>();
        for (int i = 0; i < cfg.Layers; i++) layers.Add(new DecoderBlock(cfg.Dim, cfg.Heads, cfg.MlpHidden, cfg.NormEps));
        norm = new RmsNorm(cfg.Dim, cfg.NormEps);
        rotary = new Rotary(cfg.HeadDim, cfg.MaxSeqLen, cfg.RopeTheta);
        register_module("embed", embed);
        register_module("layers", layers);
        register_module("norm", norm);
        register_module("rotary", rotary);
        // GPT-2/Llama-style small init for the tied embedding (the default N(0, 1) would make the
        // tied head's initial logits huge).
        using (no_grad()) nn.init.normal_(embed.weight!, 0.0, 0.02);
    }

    public LanguageModelConfig Config { get; }

    /// <summary>The tied embedding / LM head matrix [V, D].</summary>
    internal Tensor EmbeddingWeight => embed.weight!;
    internal IList<DecoderBlock> Layers => layers;
    internal RmsNorm FinalNorm => norm;
    internal Rotary Rotary => rotary;

    /// <summary>Token ids [B, T] (int64) → embeddings [B, T, D].</summary>
    public Tensor Embed(Tensor ids) => embed.forward(ids);

    /// <summary>
    /// Runs the blocks and the final norm over embeddings <paramref name="x"/> [B, T, D] placed at
    /// positions start..start+T-1; returns hidden states [B, T, D] (apply <see cref="Logits"/> to the
    /// positions you need — the LM head is the biggest matmul per token).
    /// </summary>
    /// <param name="mask">[B|1, 1, T, T] bool (true = may attend) or additive float (0 / -inf); null = plain causal (no padding).
    /// For a cached decode step: the prefix key mask [N, 1, 1, T0].</param>
    public Tensor Forward(Tensor x, Tensor? mask = null, KvCache? cache = null, long start = 0)
    {
        if (start + x.shape[1] > Config.MaxSeqLen)
            throw new ArgumentException($"sequence of {start + x.shape[1]} positions exceeds lm MaxSeqLen {Config.MaxSeqLen}");
        var h = x.alias();
        for (int i = 0; i < layers.Count; i++)
        {
            var next = layers[i].Forward(h, rotary, mask, cache, i, start);
            h.Dispose();
            h = next;
        }
        using (h) return norm.forward(h);
    }

    /// <summary>
    /// The blocks and final norm over a shared-prefix batch (<see cref="GroupedLayout"/>): prefix embeddings
    /// <paramref name="xp"/> [N, T0, D] at positions 0..T0−1 and completion embeddings <paramref name="xc"/> [N·G, Lc, D]
    /// (or null) at T0..T0+Lc−1; returns the hidden states of both parts.
    /// </summary>
    public (Tensor Prefix, Tensor? Completion) ForwardGrouped(Tensor xp, Tensor? xc, Tensor? prefixMask, Tensor? completionMask, int group)
    {
        if (xp.shape[1] + (xc?.shape[1] ?? 0) > Config.MaxSeqLen)
            throw new ArgumentException($"sequence of {xp.shape[1] + (xc?.shape[1] ?? 0)} positions exceeds lm MaxSeqLen {Config.MaxSeqLen}");
        var hp = xp.alias();
        var hc = xc?.alias();
        for (int i = 0; i < layers.Count; i++)
        {
            var (np, nc) = layers[i].ForwardGrouped(hp, hc, rotary, prefixMask, completionMask, group);
            hp.Dispose(); hc?.Dispose();
            (hp, hc) = (np, nc);
        }
        using (hp) using (hc) return (norm.forward(hp), hc is null ? null : norm.forward(hc));
    }

    /// <summary>Tied LM head: hidden [.., D] → logits [.., V] = hidden · Eᵀ.</summary>
    public Tensor Logits(Tensor hidden) => F.linear(hidden, embed.weight!);

    /// <summary>A decode cache for <paramref name="prompts"/> × <paramref name="group"/> rows sharing per-prompt prefixes of <paramref name="prefixLen"/> positions.</summary>
    public KvCache NewCache(long prompts, long group, long prefixLen, long maxNew) =>
        new(Config.Layers, prompts, group, Config.Heads, prefixLen, maxNew, Config.HeadDim, embed.weight!.device);
}
