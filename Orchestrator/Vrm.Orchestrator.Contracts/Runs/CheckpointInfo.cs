namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>A checkpoint folder the learner wrote (DESIGN §5: config.json, model.safetensors, …).</summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointInfo(
    [property: Id(0)] long Step,
    [property: Id(1)] long PolicyVersion,
    [property: Id(2)] string Path,
    [property: Id(3)] DateTimeOffset CreatedAt,
    // The pending checkpoint request id this checkpoint fulfils (0 = the learner's own schedule).
    [property: Id(4)] long RequestId = 0);
