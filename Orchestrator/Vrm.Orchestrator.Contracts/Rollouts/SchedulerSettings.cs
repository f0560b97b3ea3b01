namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// How a run's scheduler behaves. Backpressure cap = MaxStaleness + 1 (1 in synchronous mode).
/// <see cref="MaxLeaseExpiries"/>: an assignment whose lease ran out this many times (every worker that
/// takes it dies or hangs — a "poison" prompt) is abandoned instead of re-leased forever; its prompts are
/// reported to the learner with the step (<see cref="TakeStepResult.AbandonedPromptIndices"/>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SchedulerSettings(
    [property: Id(0)] int MaxStaleness,
    [property: Id(1)] TimeSpan LeaseDuration,
    [property: Id(2)] TimeSpan NoWorkRetryAfter,
    [property: Id(3)] int MaxLeaseExpiries = SchedulerSettings.DefaultMaxLeaseExpiries)
{
    public const int DefaultMaxLeaseExpiries = 3;

    public static SchedulerSettings Synchronous { get; } = new(0, TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(20));

    public int MaxUnconsumedSteps => MaxStaleness + 1;

    public string? Validate()
    {
        if (MaxStaleness < 0) return $"scheduler: MaxStaleness must be ≥ 0 (got {MaxStaleness})";
        if (LeaseDuration <= TimeSpan.Zero) return $"scheduler: LeaseDuration must be > 0 (got {LeaseDuration})";
        if (NoWorkRetryAfter < TimeSpan.Zero) return $"scheduler: NoWorkRetryAfter must be ≥ 0 (got {NoWorkRetryAfter})";
        if (MaxLeaseExpiries < 1) return $"scheduler: MaxLeaseExpiries must be ≥ 1 (got {MaxLeaseExpiries})";
        return null;
    }
}
