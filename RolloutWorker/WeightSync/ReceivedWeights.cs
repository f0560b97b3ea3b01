using Vrm.Policy;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>A snapshot that arrived whole and matched its header's size and SHA-256.</summary>
public sealed record ReceivedWeights(string RunId, WeightSnapshot Snapshot, long BytesReceived, double ReceiveSeconds);
