namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>Everything a caller can see about a run at one moment.</summary>
[GenerateSerializer, Immutable]
public sealed record RunSnapshot(
    [property: Id(0)] string RunId,
    [property: Id(1)] RunSpec? Spec,
    [property: Id(2)] RunStatus Status,
    [property: Id(3)] long Step,
    [property: Id(4)] long PolicyVersion,
    [property: Id(5)] IReadOnlyList<CheckpointInfo> Checkpoints,
    [property: Id(6)] IReadOnlyList<StepMetrics> RecentMetrics,
    [property: Id(7)] string? StatusReason,
    [property: Id(8)] DateTimeOffset? UpdatedAt,
    [property: Id(9)] RunControl? Control = null)
{
    /// <summary>True when no spec was ever submitted under this id.</summary>
    public bool Exists => Spec is not null;
}
