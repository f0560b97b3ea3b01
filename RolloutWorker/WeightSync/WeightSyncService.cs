using Grpc.Core;
using Microsoft.Extensions.Logging;
using Vrm.Protos.Weights;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// The worker's WeightSync endpoint: receives a pushed snapshot, verifies it and stages it for the next swap.
/// Bound through <see cref="WeightSyncBinding"/> (not the generated WeightSyncBase) so that Push reads its chunks with
/// <see cref="ArrivedWeightChunk.Marshaller"/>.
/// </summary>
public sealed class WeightSyncService(WorkerIdentity identity, PolicyHolder holder, ILogger<WeightSyncService> log) : WeightSyncBinding
{
    public override async Task<PushReply> Push(IAsyncStreamReader<ArrivedWeightChunk> requestStream, ServerCallContext context)
    {
        ReceivedWeights received;
        using var slot = ArrivedWeightChunk.InstallSlot();
        try
        {
            received = await WeightStreamReceiver.ReceiveAsync(requestStream, slot, holder.Admit, context.CancellationToken, holder.ReceiveBuffers);
            holder.Stage(received);
        }
        catch (WeightTransferException e)
        {
            WorkerMetrics.WeightsRefused(identity.WorkerId, "push", e.Status);
            log.LogWarning("worker {Worker}: refused weight push: {Reason} (keeps v{Version})", identity.WorkerId, e.Message, holder.Version);
            throw e.ToRpcException();
        }
        WorkerMetrics.WeightsReceived(identity.WorkerId, "push", received.BytesReceived, received.ReceiveSeconds);
        log.LogInformation("worker {Worker}: staged weights v{Version} ({Bytes} bytes in {Seconds:F2} s)",
            identity.WorkerId, received.Snapshot.Version, received.BytesReceived, received.ReceiveSeconds);
        return new PushReply
        {
            WorkerId = identity.WorkerId,
            Version = received.Snapshot.Version,
            BytesReceived = received.BytesReceived,
            ReceiveSeconds = received.ReceiveSeconds,
        };
    }

    public override Task<VersionReply> GetVersion(GetVersionRequest request, ServerCallContext context) =>
        Task.FromResult(new VersionReply
        {
            WorkerId = identity.WorkerId,
            RunId = holder.RunId,
            Version = holder.Version,
            StagedVersion = holder.StagedVersion,
        });
}
