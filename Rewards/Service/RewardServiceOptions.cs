namespace Vrm.Rewards.Service;

/// <summary>
/// Limits and defaults of the RewardService. A request over a limit is refused with INVALID_ARGUMENT
/// naming the field. The transport limit <see cref="MaxMessageBytes"/> sits above the largest batch the
/// validator accepts (<see cref="MaxBatchChars"/> chars are at most 3 bytes each in UTF-8), so an
/// oversized batch normally gets the validator's clear message; only a message beyond the transport
/// limit gets gRPC's own RESOURCE_EXHAUSTED.
/// </summary>
public sealed record RewardServiceOptions
{
    /// <summary>Items per Score call. A GRPO step is B·G = 16·8 = 128 completions by default.</summary>
    public int MaxItems { get; init; } = 4096;
    /// <summary>Chars per completion: far beyond any sampled completion, small enough to scan well inside the time bound.</summary>
    public int MaxCompletionChars { get; init; } = 1 << 20;
    public int MaxSolutionChars { get; init; } = 64 * 1024;
    public int MaxTaskChars { get; init; } = 256;
    /// <summary>Sum of the chars of every field of every item.</summary>
    public long MaxBatchChars { get; init; } = 16L << 20;
    /// <summary>gRPC max send and receive message size, set explicitly on both sides (the 4 MB default is too small).</summary>
    public int MaxMessageBytes { get; init; } = 64 << 20;
    public RewardWeights DefaultWeights { get; init; } = RewardWeights.Default;
    public TimeSpan ItemTimeBound { get; init; } = CompositeReward.DefaultTimeBound;
    /// <summary>Threads scoring one batch; -1 lets the runtime choose.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public RewardServiceOptions Validate()
    {
        Positive(MaxItems, nameof(MaxItems));
        Positive(MaxCompletionChars, nameof(MaxCompletionChars));
        Positive(MaxSolutionChars, nameof(MaxSolutionChars));
        Positive(MaxTaskChars, nameof(MaxTaskChars));
        Positive(MaxBatchChars, nameof(MaxBatchChars));
        Positive(MaxMessageBytes, nameof(MaxMessageBytes));
        ArgumentNullException.ThrowIfNull(DefaultWeights, nameof(DefaultWeights));
        DefaultWeights.Validate();
        if (ItemTimeBound <= TimeSpan.Zero) throw new ArgumentException($"{nameof(ItemTimeBound)} must be positive, got {ItemTimeBound}", nameof(ItemTimeBound));
        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
            throw new ArgumentException($"{nameof(MaxDegreeOfParallelism)} must be -1 or >= 1, got {MaxDegreeOfParallelism}", nameof(MaxDegreeOfParallelism));
        return this;
    }

    private static void Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentException($"{name} must be positive, got {value}", name);
    }
}
