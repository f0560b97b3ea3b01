namespace Vrm.Policy;

/// <summary>
/// How the sampler draws completions. Temperature 0 means greedy. Token ids come from the tokenizer:
/// generation of a row stops after it emits any of <see cref="StopTokenIds"/> (e.g. <c>&lt;/answer&gt;</c>) or
/// <see cref="EosTokenId"/>; the stop/EOS token is part of the completion (it was sampled and carries a
/// log-prob, so the policy gradient covers it).
/// </summary>
public sealed record SamplingParams
{
    /// <summary>Softmax temperature; 0 = greedy (argmax).</summary>
    public float Temperature { get; init; } = 1.0f;
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches TopP (1 = off).</summary>
    public float TopP { get; init; } = 1.0f;
    /// <summary>Longest completion in tokens.</summary>
    public int MaxNewTokens { get; init; } = 64;
    /// <summary>Single-token stop ids (e.g. the id of <c>&lt;/answer&gt;</c>).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    public int EosTokenId { get; init; } = 2;
    /// <summary>Fills finished rows and prompt padding; never attended to.</summary>
    public int PadTokenId { get; init; } = 0;
    /// <summary>Prepended to every sequence by the model.</summary>
    public int BosTokenId { get; init; } = 1;
    /// <summary>Seeds the sampler's own generator: same seed, model and inputs → same samples.</summary>
    public ulong Seed { get; init; } = 0;
    /// <summary>Check "all rows finished" (a device→host sync) every this many decode steps — the torch loop (CUDA); the
    /// CPU host loop (<see cref="Sampler.HostDecode"/>) checks after every step, where it costs nothing.</summary>
    public int StopCheckInterval { get; init; } = 4;

    public void Validate(int vocabSize)
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"sampling: Temperature ({Temperature}) must be a finite number >= 0");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"sampling: TopP ({TopP}) must be in (0, 1]");
        if (MaxNewTokens < 1) throw new ArgumentException($"sampling: MaxNewTokens ({MaxNewTokens}) must be >= 1");
        if (StopCheckInterval < 1) throw new ArgumentException($"sampling: StopCheckInterval ({StopCheckInterval}) must be >= 1");
        foreach (var (name, id) in StopTokenIds.Select(i => ("stop token id", i)).Append(("EosTokenId", EosTokenId)).Append(("PadTokenId", PadTokenId)).Append(("BosTokenId", BosTokenId)))
            if (id < 0 || id >= vocabSize) throw new ArgumentException($"sampling: {name} {id} is outside the vocabulary [0, {vocabSize})");
    }
}
