using Vrm.Orchestrator.Contracts.Runs;

namespace Vrm.Orchestrator.Runs;

/// <summary>What the run grain persists.</summary>
[GenerateSerializer]
public sealed class RunState
{
    [Id(0)] public RunSpec? Spec { get; set; }
    [Id(1)] public RunStatus Status { get; set; } = RunStatus.Pending;
    [Id(2)] public long Step { get; set; }
    [Id(3)] public long PolicyVersion { get; set; }
    [Id(4)] public List<CheckpointInfo> Checkpoints { get; set; } = [];
    [Id(5)] public List<StepMetrics> RecentMetrics { get; set; } = [];
    [Id(6)] public string? StatusReason { get; set; }
    [Id(7)] public DateTimeOffset? UpdatedAt { get; set; }
    [Id(8)] public RunOverrides Overrides { get; set; } = RunOverrides.None;
    [Id(9)] public long ConfigVersion { get; set; }
    [Id(10)] public long PendingCheckpointRequestId { get; set; }
    [Id(11)] public long LastCheckpointRequestId { get; set; }
    [Id(12)] public string? LearnerId { get; set; }
    [Id(13)] public List<RunEvent> Events { get; set; } = [];
    [Id(14)] public long LastEventSequence { get; set; }
}
