using Grpc.Core;
using Grpc.Net.Client;
using Vrm.Protos.Weights;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// Fetches the learner's current snapshot (WeightSource.Pull at VRM_LEARNER_PORT) for a worker that joined late
/// or missed a push, and stages it in the <see cref="PolicyHolder"/> with the same checks as a push.
/// </summary>
public sealed class WeightPuller : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly WeightSource.WeightSourceClient _client;
    private readonly string? _workerId;

    /// <param name="workerId">Tags this worker's pull metrics.</param>
    public WeightPuller(Uri learnerAddress, string? workerId = null)
    {
        _workerId = workerId;
        _channel = GrpcChannel.ForAddress(learnerAddress, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = WorkerGrpcHost.MaxMessageBytes,
            MaxSendMessageSize = WorkerGrpcHost.MaxMessageBytes,
            // A pull is one large server stream: a wide receive window keeps the learner from stalling on flow control.
            HttpHandler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = 16 << 20 },
        });
        _client = new WeightSource.WeightSourceClient(_channel);
    }

    /// <summary>
    /// Pulls and stages the learner's current version. Returns the staged version, or null when the learner's
    /// version is not newer than what the holder has (nothing to do). Other refusals throw <see cref="WeightTransferException"/>.
    /// </summary>
    public async Task<long?> PullAsync(PolicyHolder holder, CancellationToken cancellationToken)
    {
        using var call = _client.Pull(new PullRequest { RunId = holder.RunId, HaveVersion = holder.Version }, cancellationToken: cancellationToken);
        ReceivedWeights received;
        try
        {
            received = await WeightStreamReceiver.ReceiveAsync(call.ResponseStream, holder.Admit, cancellationToken, holder.ReceiveBuffers);
        }
        catch (WeightTransferException e) when (e.Status == StatusCode.FailedPrecondition && e.Message.StartsWith("older version", StringComparison.Ordinal))
        {
            return null; // the learner has nothing newer; the call is cancelled by disposal
        }
        catch (WeightTransferException e)
        {
            WorkerMetrics.WeightsRefused(_workerId, "pull", e.Status);
            throw;
        }
        holder.Stage(received);
        WorkerMetrics.WeightsReceived(_workerId, "pull", received.BytesReceived, received.ReceiveSeconds);
        return received.Snapshot.Version;
    }

    public void Dispose() => _channel.Dispose();
}
