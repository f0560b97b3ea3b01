namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>Something that happened to a run (status change, update, checkpoint requested/saved), numbered from 1 so a stream can resume.</summary>
[GenerateSerializer, Immutable]
public sealed record RunEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Message,
    [property: Id(4)] RunStatus Status);
