namespace Vrm.Policy.Config;

/// <summary>The decoder-only, Llama-style language model (RMSNorm, rotary positions, SwiGLU, tied embeddings).</summary>
public sealed record LanguageModelConfig
{
    /// <summary>Vocabulary size; must equal the tokenizer's (VrmTokenizer.Default: Policy/Assets/tokenizer.json has 512 entries).</summary>
    public int VocabSize { get; init; } = 512;
    /// <summary>Width of the residual stream, D_lm.</summary>
    public int Dim { get; init; } = 128;
    /// <summary>Number of decoder blocks.</summary>
    public int Layers { get; init; } = 4;
    /// <summary>Attention heads per block.</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Hidden width of the SwiGLU MLP.</summary>
    public int MlpHidden { get; init; } = 384;
    /// <summary>Longest sequence (BOS + visual + prompt + completion) the KV cache and rotary table hold.</summary>
    public int MaxSeqLen { get; init; } = 256;
    /// <summary>Rotary base frequency.</summary>
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary>RMSNorm epsilon.</summary>
    public double NormEps { get; init; } = 1e-5;

    public int HeadDim => Dim / Heads;

    public void Validate()
    {
        if (VocabSize <= 0) throw new ArgumentException($"lm: VocabSize ({VocabSize}) must be > 0");
        if (Dim <= 0 || Heads <= 0 || Dim % Heads != 0 || (Dim / Heads) % 2 != 0)
            throw new ArgumentException($"lm: Dim ({Dim}) must be a positive multiple of Heads ({Heads}) with an even head size");
        if (Layers < 1 || MlpHidden <= 0 || MaxSeqLen <= 0)
            throw new ArgumentException("lm: Layers must be >= 1, MlpHidden and MaxSeqLen > 0");
    }
}
