namespace Vrm.Orchestrator.Contracts.Workers;

/// <summary>What a worker reports with each heartbeat.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerStats(
    [property: Id(0)] long AssignmentsCompleted,
    [property: Id(1)] long GeneratedTokens,
    [property: Id(2)] string? CurrentAssignmentId);
