namespace Vrm.Orchestrator.Contracts.Rollouts;

[GenerateSerializer]
public enum EnqueueOutcome
{
    /// <summary>The step's assignments are queued.</summary>
    Enqueued = 0,
    /// <summary>The same step was enqueued before (e.g. a restarted learner re-asks); nothing changed.</summary>
    AlreadyEnqueued = 1,
    /// <summary>Too many steps enqueued but not yet handed off (cap = maxStaleness + 1): take a step first, then retry.</summary>
    Backpressure = 2,
    /// <summary>The step was already handed off and acknowledged; it will not run again.</summary>
    AlreadyAcknowledged = 3,
    /// <summary>The run is paused or finished: nothing new is queued (in-flight assignments may still complete). Retry after resume.</summary>
    Paused = 4,
}

[GenerateSerializer, Immutable]
public sealed record EnqueueResult(
    [property: Id(0)] EnqueueOutcome Outcome,
    [property: Id(1)] int Assignments,
    [property: Id(2)] int UnconsumedSteps,
    [property: Id(3)] int MaxUnconsumedSteps);
