namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>Counters since activation start (in-memory; others export them as vrm_* metrics).</summary>
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
    [property: Id(8)] long HighestAcknowledgedStep);
