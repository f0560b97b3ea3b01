namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>
/// What the learner polls between steps (<see cref="IRunGrain.GetControl"/>): whether to keep going,
/// whether a checkpoint is asked for, and the live overrides with a version that moves on each update.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunControl(
    [property: Id(0)] RunStatus Status,
    // Non-zero: write a checkpoint, then <c>AddCheckpoint(info with { RequestId = this })</c>.
    [property: Id(1)] long PendingCheckpointRequestId,
    // Increments on every accepted UpdateRun; apply <see cref="Overrides"/> when it changes.
    [property: Id(2)] long ConfigVersion,
    [property: Id(3)] RunOverrides Overrides,
    // The learner that claimed the run (<see cref="IRunDirectoryGrain.ClaimPendingRun"/>), if any.
    [property: Id(4)] string? LearnerId);
