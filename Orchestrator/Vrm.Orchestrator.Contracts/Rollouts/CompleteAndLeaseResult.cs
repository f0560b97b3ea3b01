namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// Answer to <see cref="IRolloutSchedulerGrain.CompleteAndLease"/>: what happened to the finished
/// assignment, and the worker's next lease (granted whatever the ack says — a refused completion is
/// the worker's to log, not a reason to idle).
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record CompleteAndLeaseResult(
    [property: Id(0)] CompletionAck Ack,
    [property: Id(1)] LeaseResult Next);
