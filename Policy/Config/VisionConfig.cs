namespace Vrm.Policy.Config;

/// <summary>The ViT vision encoder (CLIP-style; frozen after pretraining).</summary>
public sealed record VisionConfig
{
    /// <summary>Side of the square input image in pixels (images are resized to this).</summary>
    public int ImageSize { get; init; } = 64;
    /// <summary>Side of a square patch in pixels; P = (ImageSize / PatchSize)^2 visual tokens.</summary>
    public int PatchSize { get; init; } = 8;
    /// <summary>Image channels (RGB).</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Width of the ViT residual stream, D_vit.</summary>
    public int Dim { get; init; } = 128;
    /// <summary>Number of pre-norm transformer blocks.</summary>
    public int Layers { get; init; } = 2;
    /// <summary>Attention heads per block.</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Hidden width of the block MLP as a multiple of Dim.</summary>
    public int MlpRatio { get; init; } = 4;
    /// <summary>LayerNorm epsilon.</summary>
    public double NormEps { get; init; } = 1e-5;

    public int PatchesPerSide => ImageSize / PatchSize;
    public int NumPatches => PatchesPerSide * PatchesPerSide;

    public void Validate()
    {
        if (ImageSize <= 0 || PatchSize <= 0 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"vision: ImageSize ({ImageSize}) must be a positive multiple of PatchSize ({PatchSize})");
        if (Dim <= 0 || Heads <= 0 || Dim % Heads != 0)
            throw new ArgumentException($"vision: Dim ({Dim}) must be a positive multiple of Heads ({Heads})");
        if (Layers < 0 || Channels <= 0 || MlpRatio <= 0)
            throw new ArgumentException("vision: Layers must be >= 0, Channels and MlpRatio > 0");
    }
}
