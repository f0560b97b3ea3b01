namespace Vrm.Orchestrator.Contracts.Rollouts;

[GenerateSerializer]
public enum LeaseOutcome
{
    /// <summary><see cref="LeaseResult.Assignment"/> is yours until its deadline.</summary>
    Assigned = 0,
    /// <summary>Nothing queued: poll again after <see cref="LeaseResult.RetryAfter"/>.</summary>
    NoWork = 1,
    /// <summary>Work is queued but needs a newer policy: pull <see cref="LeaseResult.NeededVersion"/> first.</summary>
    VersionTooOld = 2,
}

/// <summary>Answer to a lease request. The scheduler never blocks on a long poll; the worker backs off by <see cref="RetryAfter"/>.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record LeaseResult(
    [property: Id(0)] LeaseOutcome Outcome,
    [property: Id(1)] RolloutAssignment? Assignment,
    [property: Id(2)] long? NeededVersion,
    [property: Id(3)] TimeSpan RetryAfter);
