namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// Counters since activation start (in-memory; others export them as vrm_* metrics). The *Milliseconds
/// fields say where the grain's single thread of execution spends its time.
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
    [property: Id(12)] double CompleteBusyMilliseconds);
