namespace Vrm.Policy;

/// <summary>
/// How a problem becomes the model's prompt. The full sequence the LM sees is
/// <c>BOS, P visual tokens, prompt tokens, completion tokens</c>. The template text starts with the
/// <c>&lt;image&gt;</c> placeholder (right after BOS), which the model expands into the P visual tokens; the
/// rest is the chat turn, e.g. <c>"&lt;image&gt;\nUSER: {problem}\nASSISTANT:"</c>.
/// <para>Prompt and completion are encoded separately (the model samples the completion after the prompt),
/// and completions start with <c>&lt;think&gt;</c>, a special token, so the split costs nothing:
/// <c>Encode(prompt) ++ Encode(completion) == Encode(prompt + completion)</c> for such completions.</para>
/// </summary>
public sealed class PromptTemplate
{
    public const string ProblemSlot = "{problem}";

    /// <summary>LLaVA-style single chat turn.</summary>
    public static PromptTemplate Default { get; } = new("<image>\nUSER: {problem}\nASSISTANT:");

    private readonly string _prefix; // template text between <image> and {problem}
    private readonly string _suffix; // template text after {problem}

    public string Template { get; }

    public PromptTemplate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!template.StartsWith(VrmTokenizer.ImageToken, StringComparison.Ordinal))
            throw new ArgumentException($"prompt template must start with {VrmTokenizer.ImageToken} (the model puts the visual tokens right after BOS): '{template}'");
        if (template.IndexOf(VrmTokenizer.ImageToken, VrmTokenizer.ImageToken.Length, StringComparison.Ordinal) >= 0)
            throw new ArgumentException($"prompt template must contain {VrmTokenizer.ImageToken} once: '{template}'");
        int slot = template.IndexOf(ProblemSlot, StringComparison.Ordinal);
        if (slot < 0 || template.IndexOf(ProblemSlot, slot + 1, StringComparison.Ordinal) >= 0)
            throw new ArgumentException($"prompt template must contain {ProblemSlot} exactly once: '{template}'");
        Template = template;
        _prefix = template[VrmTokenizer.ImageToken.Length..slot];
        _suffix = template[(slot + ProblemSlot.Length)..];
    }

    /// <summary>The prompt as text, placeholder included. The problem is inserted verbatim (no escaping).</summary>
    public string Render(string problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return VrmTokenizer.ImageToken + _prefix + problem + _suffix;
    }

    /// <summary>
    /// The prompt's text tokens AFTER BOS and the image placeholder — what the sampler and scorer take
    /// (the model itself prepends BOS and the visual tokens).
    /// </summary>
    public int[] EncodePrompt(VrmTokenizer tokenizer, string problem)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(problem);
        // Encoding the text after the placeholder alone gives the same ids as encoding Render(problem) and
        // dropping the first: <image> is a special token, so no merge crosses it.
        return tokenizer.Encode(_prefix + problem + _suffix);
    }
}
