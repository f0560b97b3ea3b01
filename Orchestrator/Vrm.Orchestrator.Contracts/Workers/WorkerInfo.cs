namespace Vrm.Orchestrator.Contracts.Workers;

[GenerateSerializer, Immutable]
public sealed record WorkerInfo(
    [property: Id(0)] string WorkerId,
    [property: Id(1)] WorkerCapabilities Capabilities,
    [property: Id(2)] WorkerLiveness Liveness,
    [property: Id(3)] long PolicyVersion,
    [property: Id(4)] DateTimeOffset RegisteredAt,
    [property: Id(5)] DateTimeOffset LastHeartbeat,
    [property: Id(6)] WorkerStats? LastStats);
