namespace Vrm.RolloutWorker;

/// <summary>What one rollout worker is and how it paces itself.</summary>
public sealed record RolloutWorkerOptions
{
    public required string WorkerId { get; init; }
    public required string RunId { get; init; }
    /// <summary>Where the learner reaches this worker's WeightSync, e.g. http://POD_IP:7100 (registered as a capability).</summary>
    public required string WeightSyncEndpoint { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>Most completions (prompts × G) sampled in one batch; larger assignments are sampled in several batches.</summary>
    public int MaxBatch { get; init; } = 64;
    /// <summary>Longest wait between lease attempts when the scheduler has no work (it suggests shorter ones).</summary>
    public TimeSpan MaxIdleWait { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Heartbeat period until the registry suggests one.</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Time a draining worker allows itself to finish scoring and completing its assignment.</summary>
    public TimeSpan DrainGrace { get; init; } = TimeSpan.FromSeconds(30);

    public RolloutWorkerOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(WorkerId)) throw new ArgumentException("worker: WorkerId is empty");
        if (string.IsNullOrWhiteSpace(RunId)) throw new ArgumentException("worker: RunId is empty (--run or VRM_RUN_ID)");
        if (!Uri.TryCreate(WeightSyncEndpoint, UriKind.Absolute, out _)) throw new ArgumentException($"worker: WeightSyncEndpoint '{WeightSyncEndpoint}' is not an absolute URI");
        if (MaxBatch <= 0) throw new ArgumentException($"worker: MaxBatch must be > 0 (got {MaxBatch})");
        return this;
    }
}
