using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// The visual reasoning model: ViT vision encoder → projector W → Llama-style language model φ.
/// Construct under <c>torch.manual_seed(seed)</c> for a reproducible init. Parameter names are stable
/// (they are the safetensors keys): <c>vision.blocks.0.attn.qkv.weight</c>, <c>projector.fc1.weight</c>,
/// <c>language_model.layers.0.mlp.gate_up.weight</c>, ...
/// </summary>
/// <remarks>
/// Default config (<see cref="VrmConfig.Default"/>: 64×64 images, 8×8 patches → 64 visual tokens;
/// ViT 2 layers d128; MLP projector; LM 4 layers d128, 4 heads, SwiGLU 384, vocab 512):
/// 1,381,376 parameters (vision 429,696 + projector 33,024 + LM 918,656 incl. the 65,536-entry tied embedding).
/// <see cref="ParameterCount"/> recomputes it.
/// </remarks>
public sealed class VrmModel : nn.Module
{
    private readonly VisionEncoder vision;
    private readonly Projector projector;
    private readonly LanguageModel language_model;

    public VrmModel(VrmConfig cfg) : base(nameof(VrmModel))
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        Config = cfg;
        vision = new VisionEncoder(cfg.Vision);
        projector = new Projector(cfg.Projector, cfg.Vision.Dim, cfg.LanguageModel.Dim);
        language_model = new LanguageModel(cfg.LanguageModel);
        register_module("vision", vision);
        register_module("projector", projector);
        register_module("language_model", language_model);
    }

    public VrmConfig Config { get; }
    public VisionEncoder Vision => vision;
    public Projector Projector => projector;
    public LanguageModel LanguageModel => language_model;

    /// <summary>True after <see cref="FreezeVision"/>: the encoder runs without autograd and gets no gradient.</summary>
    public bool VisionFrozen { get; private set; }

    /// <summary>Visual tokens per image, P.</summary>
    public int VisualTokens => Config.Vision.NumPatches;

    public Device Device => parameters().First().device;

    /// <summary>Freezes the vision encoder (after contrastive pretraining; SFT and GRPO train W and φ only).</summary>
    public void FreezeVision()
    {
        foreach (var p in vision.parameters()) p.requires_grad = false;
        vision.eval();
        VisionFrozen = true;
    }

    /// <summary>Images [B, 3, H, W] float 0..1 → visual tokens [B, P, D_lm].</summary>
    public Tensor EncodeImages(Tensor images)
    {
        Tensor features;
        if (VisionFrozen)
        {
            // No graph through a frozen encoder: saves its activations' memory during training.
            using var _ = no_grad();
            features = vision.forward(images);               // [B, P, D_vit]
        }
        else features = vision.forward(images);
        using (features) return projector.forward(features); // [B, P, D_lm]
    }

    /// <summary>Token embeddings with the visual slots replaced by <paramref name="visualTokens"/> [B, P, D_lm] → [B, T, D_lm].</summary>
    public Tensor Embed(SequenceLayout layout, Tensor visualTokens)
    {
        if (visualTokens.shape[0] != layout.Rows || visualTokens.shape[1] != layout.VisualTokens)
            throw new ArgumentException($"visual tokens [{string.Join(", ", visualTokens.shape)}] do not match {layout.Rows} rows × {layout.VisualTokens} slots");
        using var text = language_model.Embed(layout.Ids);             // [B, T, D]
        using var slots = layout.VisualMask.unsqueeze(-1);            // [B, T, 1]
        // Fills the true slots in row-major order: row b's P slots take visualTokens[b, 0..P-1].
        return text.masked_scatter(slots, visualTokens);              // [B, T, D]
    }

    /// <summary>
    /// Teacher-forced forward for training (SFT, GRPO scoring). Returns logits [B, Tc, V] where
    /// logits[b, j] predicts completion token j of row b (targets: <see cref="SequenceLayout.Targets"/>,
    /// weights: <see cref="SequenceLayout.CompletionMask"/>); with <paramref name="fullSequence"/> it
    /// returns logits [B, T, V] over every input position instead (position i predicts token i+1).
    /// </summary>
    /// <param name="images">[B, 3, H, W] float 0..1, one per row.</param>
    public Tensor Forward(Tensor images, SequenceLayout layout, bool fullSequence = false)
    {
        using var vis = EncodeImages(images);                          // [B, P, D]
        using var x = Embed(layout, vis);                              // [B, T, D]
        using var hidden = language_model.Forward(x, layout.AttentionMask); // [B, T, D]
        if (fullSequence) return language_model.Logits(hidden);        // [B, T, V]
        using var h = hidden.narrow(1, layout.PromptEnd - 1, layout.CompletionLength); // [B, Tc, D]
        return language_model.Logits(h);                               // [B, Tc, V]
    }

    /// <summary>
    /// Teacher-forced forward for N prompts × G completions, running each prompt's image and prefix once
    /// (<see cref="GroupedLayout"/>). Returns logits [N·G, Tc, V] equal (to float rounding) to <see cref="Forward"/>
    /// over the N·G rows with each prompt repeated G times; gradients flow to the prefix through all G rows.
    /// </summary>
    /// <param name="images">[N, 3, H, W] float 0..1, one per prompt.</param>
    public Tensor ForwardGrouped(Tensor images, GroupedLayout layout)
    {
        var prefix = layout.Prefix;
        using var vis = EncodeImages(images);                          // [N, P, D]
        using var xp = Embed(prefix, vis);                             // [N, T0, D]
        using var xc = layout.Inputs is null ? null : language_model.Embed(layout.Inputs); // [NG, Lc, D]
        var (hp, hc) = language_model.ForwardGrouped(xp, xc, prefix.AttentionMask, layout.CompletionAttentionMask, layout.Group);
        using (hp) using (hc)
        {
            // Completion token 0 is predicted at the prefix's last position, the same for the G rows of a prompt.
            using var last = hp.narrow(1, prefix.PromptEnd - 1, 1);   // [N, 1, D]
            using var lastRows = last.repeat_interleave(layout.Group, 0); // [NG, 1, D]
            using var h = hc is null ? lastRows.alias() : cat([lastRows, hc], 1); // [NG, Tc, D]
            return language_model.Logits(h);                           // [NG, Tc, V]
        }
    }

    /// <summary>Builds the shared-prefix layout of N prompts × <paramref name="group"/> completions for this model.</summary>
    public GroupedLayout GroupedLayout(IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds, int group, int bosId, int padId) =>
        new(promptIds, completionIds, group, VisualTokens, bosId, padId, Config.LanguageModel.VocabSize, Device);

    /// <summary>Builds the layout for this model's visual token count and vocabulary, on its device.</summary>
    public SequenceLayout Layout(IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]>? completionIds, int bosId, int padId) =>
        new(promptIds, completionIds, VisualTokens, bosId, padId, Config.LanguageModel.VocabSize, Device);
}
