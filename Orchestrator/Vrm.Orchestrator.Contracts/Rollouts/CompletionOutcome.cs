namespace Vrm.Orchestrator.Contracts.Rollouts;

[GenerateSerializer]
public enum CompletionOutcome
{
    /// <summary>The groups are stored for the learner.</summary>
    Accepted = 0,
    /// <summary>This assignment was already completed (by this worker or by another after a re-lease): acknowledged and ignored.</summary>
    Duplicate = 1,
    /// <summary>The assignment id is unknown (never existed, or its step was already acknowledged).</summary>
    UnknownAssignment = 2,
    /// <summary>This worker never held a lease on the assignment.</summary>
    NotLeaseHolder = 3,
    /// <summary>Sampled with a policy older than the assignment's MinVersion: ignored, the assignment stays open.</summary>
    StaleVersion = 4,
    /// <summary>The groups do not match the assignment (prompt indices, group size, token/log-prob lengths): see Error.</summary>
    Invalid = 5,
    /// <summary>The assignment was given up after too many lease expiries (poison): acknowledged and ignored.</summary>
    Abandoned = 6,
}

[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record CompletionAck(
    [property: Id(0)] CompletionOutcome Outcome,
    [property: Id(1)] string? Error = null)
{
    /// <summary>The worker may drop its copy: the outcome is final (accepted now or earlier).</summary>
    public bool Settled => Outcome is CompletionOutcome.Accepted or CompletionOutcome.Duplicate or CompletionOutcome.Abandoned;
}
