using Grpc.Core;
using Vrm.Policy;
using Vrm.Protos.Weights;

namespace Vrm.Learner.Distributed;

/// <summary>
/// The learner's WeightSource (VRM_LEARNER_PORT, 7300): streams the current snapshot to a worker that joined late or
/// missed a push. The learner calls <see cref="SetCurrent"/> after each update; a pull in flight keeps the snapshot it started with.
/// </summary>
public sealed class WeightSourceServer : WeightSource.WeightSourceBase
{
    public const int DefaultPort = 7300;
    public const string PortVariable = "VRM_LEARNER_PORT";

    private readonly int _chunkBytes;

    public WeightSourceServer(int chunkBytes = WeightChunkWriter.DefaultChunkBytes) => _chunkBytes = chunkBytes;

    public long PullCount => Interlocked.Read(ref _pulls);
    private long _pulls;

    public void SetCurrent(WeightSnapshot snapshot, string runId)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        Volatile.Write(ref _currentBox, new Box(runId, snapshot));
    }

    private sealed record Box(string RunId, WeightSnapshot Snapshot);
    private Box? _currentBox;

    public long? CurrentVersion => Volatile.Read(ref _currentBox)?.Snapshot.Version;

    public override async Task Pull(PullRequest request, IServerStreamWriter<WeightChunk> responseStream, ServerCallContext context)
    {
        var current = Volatile.Read(ref _currentBox)
            ?? throw new RpcException(new Status(StatusCode.Unavailable, "the learner has no weight snapshot yet: retry later"));
        if (!string.Equals(request.RunId, current.RunId, StringComparison.Ordinal))
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"pull for run '{request.RunId}', the learner serves run '{current.RunId}'"));
        Interlocked.Increment(ref _pulls);
        await WeightChunkWriter.WriteAsync(responseStream, current.Snapshot, current.RunId, _chunkBytes, context.CancellationToken);
    }
}
