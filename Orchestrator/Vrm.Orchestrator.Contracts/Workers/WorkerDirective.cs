namespace Vrm.Orchestrator.Contracts.Workers;

[GenerateSerializer]
public enum WorkerDirective
{
    /// <summary>Keep working.</summary>
    Continue = 0,
    /// <summary>Finish the current assignment, lease nothing more, then exit.</summary>
    Drain = 1,
    /// <summary>The registry does not know this worker (e.g. it was never registered): call Register.</summary>
    Register = 2,
}

[GenerateSerializer, Immutable]
public sealed record HeartbeatReply(
    [property: Id(0)] WorkerDirective Directive,
    [property: Id(1)] TimeSpan NextHeartbeatIn);
