namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// Counters since activation start (in-memory; others export them as vrm_* metrics). Lease/complete
/// busy milliseconds are the grain's own CPU time on those calls; StorageWriteMilliseconds is the wall
/// time of journal passes, which run beside the calls, not in their way. JournalPasses: group commits
/// (each covers every event recorded since the previous one; StorageWrites counts the writes inside;
/// SegmentsCleared, the garbage collection of acknowledged steps' segments, runs outside the passes).
/// LeaseHolders: the worker holding each current lease (one entry per leased assignment, sorted) — what an operator
/// or a fault test needs to know before stopping a worker.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SchedulerStats(
    [property: Id(0)] int PendingAssignments,
    [property: Id(1)] int LeasedAssignments,
    [property: Id(2)] int UnconsumedSteps,
    [property: Id(3)] long LeasesGranted,
    [property: Id(4)] long LeasesExpired,
    [property: Id(5)] long CompletionsAccepted,
    [property: Id(6)] long CompletionsIgnored,
    [property: Id(7)] long StepsHandedOff,
    [property: Id(8)] long HighestAcknowledgedStep,
    [property: Id(9)] long StorageWrites,
    [property: Id(10)] double StorageWriteMilliseconds,
    [property: Id(11)] double LeaseBusyMilliseconds,
    [property: Id(12)] double CompleteBusyMilliseconds,
    [property: Id(13)] long AssignmentsAbandoned = 0,
    [property: Id(14)] long JournalPasses = 0,
    [property: Id(15)] long SegmentsCleared = 0,
    [property: Id(16)] double LongestJournalPassMilliseconds = 0,
    [property: Id(17)] string[]? LeaseHolders = null);
