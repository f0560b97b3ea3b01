namespace Vrm.Learner.Pretraining;

/// <summary>Stage 1: CLIP-style contrastive pretraining of the vision encoder against scene captions.</summary>
public sealed record ContrastiveOptions
{
    public int Steps { get; init; } = 400;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.05;
    public int WarmupSteps { get; init; } = 20;
    /// <summary>Shared embedding width of the two towers.</summary>
    public int EmbedDim { get; init; } = 64;
    public int TextDim { get; init; } = 96;
    public int TextLayers { get; init; } = 2;
    public int TextHeads { get; init; } = 4;
    public int MaxCaptionTokens { get; init; } = 96;
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Weight of the scene-supervised loss (per-patch object colour and shape, <see cref="ScenePatchLabels"/>) added to
    /// InfoNCE; 0 turns it off. Needs scene graphs in the data (ShapesWorld writes them).
    /// </summary>
    public double SceneWeight { get; init; }

    public void Validate()
    {
        if (Steps < 0) throw new ArgumentException($"pretrain.steps ({Steps}) must be >= 0");
        if (BatchSize < 2) throw new ArgumentException($"pretrain.batch_size ({BatchSize}) must be >= 2 (contrastive needs negatives)");
        if (!(LearningRate > 0)) throw new ArgumentException($"pretrain.learning_rate ({LearningRate}) must be > 0");
        if (!double.IsFinite(SceneWeight) || SceneWeight < 0) throw new ArgumentException($"pretrain.scene_weight ({SceneWeight}) must be a finite number >= 0");
        if (EmbedDim < 1 || TextDim < 1 || TextLayers < 1 || TextHeads < 1 || TextDim % TextHeads != 0)
            throw new ArgumentException("pretrain: embed/text dims must be positive and text_dim a multiple of text_heads");
    }
}
