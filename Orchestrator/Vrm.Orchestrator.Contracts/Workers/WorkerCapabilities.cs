namespace Vrm.Orchestrator.Contracts.Workers;

/// <summary>What a rollout worker offers: its device ("cpu", "cuda:0"), where the learner pushes weights to it, and its largest sampling batch.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerCapabilities(
    [property: Id(0)] string Device,
    [property: Id(1)] string WeightSyncEndpoint,
    [property: Id(2)] int MaxBatch)
{
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Device)) return "worker capabilities: Device is empty";
        if (string.IsNullOrWhiteSpace(WeightSyncEndpoint)) return "worker capabilities: WeightSyncEndpoint is empty";
        if (MaxBatch <= 0) return $"worker capabilities: MaxBatch must be > 0 (got {MaxBatch})";
        return null;
    }
}
