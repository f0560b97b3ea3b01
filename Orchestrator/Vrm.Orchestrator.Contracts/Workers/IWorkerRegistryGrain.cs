namespace Vrm.Orchestrator.Contracts.Workers;

/// <summary>
/// The rollout workers of the cluster (one grain, key <see cref="DefaultKey"/>): registration,
/// heartbeats with directives, liveness from missed heartbeats (vrm_workers_alive) and drain.
/// </summary>
public interface IWorkerRegistryGrain : IGrainWithStringKey
{
    public const string DefaultKey = "cluster";

    /// <summary>Idempotent: re-registering updates capabilities and marks the worker alive (a restarted worker keeps its id).</summary>
    Task<HeartbeatReply> Register(string workerId, WorkerCapabilities capabilities);
    Task<HeartbeatReply> Heartbeat(string workerId, long policyVersion, WorkerStats stats);
    /// <summary>False when the worker is unknown.</summary>
    Task<bool> Drain(string workerId);
    Task<WorkerInfo[]> List();
    Task<int> AliveCount();
}
