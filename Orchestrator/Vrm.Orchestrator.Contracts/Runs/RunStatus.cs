namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>Run statuses (DESIGN §6). PENDING → RUNNING ⇄ PAUSED → SUCCEEDED | FAILED | STOPPED.</summary>
[GenerateSerializer]
public enum RunStatus
{
    Pending = 0,
    Running = 1,
    Paused = 2,
    Succeeded = 3,
    Failed = 4,
    Stopped = 5,
}
