using Vrm.Orchestrator.Contracts.Workers;

namespace Vrm.Orchestrator.Workers;

[GenerateSerializer]
public sealed class WorkerRegistryState
{
    [Id(0)] public Dictionary<string, WorkerInfo> Workers { get; set; } = [];
    /// <summary>Workers asked to drain: the request outlives a missed heartbeat or a restart of the worker.</summary>
    [Id(1)] public HashSet<string> DrainRequested { get; set; } = [];
}
