namespace Vrm.Policy.Config;

/// <summary>Which tokenizer file the model was built with (kept beside the weights in a checkpoint).</summary>
public sealed record TokenizerConfig
{
    /// <summary>File name of the vocabulary inside a checkpoint folder / Policy/Assets.</summary>
    public string File { get; init; } = "tokenizer.json";
}
