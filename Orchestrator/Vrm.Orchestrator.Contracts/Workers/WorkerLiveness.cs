namespace Vrm.Orchestrator.Contracts.Workers;

[GenerateSerializer]
public enum WorkerLiveness
{
    Alive = 0,
    /// <summary>Asked to finish its current assignment and lease no more.</summary>
    Draining = 1,
    /// <summary>Missed heartbeats for longer than the registry's timeout; a heartbeat brings it back.</summary>
    Dead = 2,
}
