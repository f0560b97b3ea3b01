namespace Vrm.Policy;

/// <summary>Why a completion ended.</summary>
public enum FinishReason
{
    /// <summary>Emitted a stop token (e.g. <c>&lt;/answer&gt;</c>).</summary>
    Stop,
    /// <summary>Emitted the end-of-sequence token.</summary>
    Eos,
    /// <summary>Reached MaxNewTokens.</summary>
    Length,
}

/// <summary>One sampled completion: its tokens (including a final stop/EOS token), the behaviour
/// log-prob of each token under the sampling policy, and why it ended.</summary>
public sealed record SampledCompletion(int PromptIndex, int[] Tokens, float[] LogProbs, FinishReason Finish);

/// <summary>N prompts × G samples, prompt-major: row r belongs to prompt r / G.</summary>
public sealed record SampleBatch(IReadOnlyList<SampledCompletion> Rows, int GroupSize, int DecodeSteps)
{
    public int GeneratedTokens => Rows.Sum(r => r.Tokens.Length);
}
