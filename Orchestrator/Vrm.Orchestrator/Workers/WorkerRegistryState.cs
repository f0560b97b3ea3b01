using Vrm.Orchestrator.Contracts.Workers;

namespace Vrm.Orchestrator.Workers;

[GenerateSerializer]
public sealed class WorkerRegistryState
{
    [Id(0)] public Dictionary<string, WorkerInfo> Workers { get; set; } = [];
}
