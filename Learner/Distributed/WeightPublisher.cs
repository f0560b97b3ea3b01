using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Policy;
using Vrm.Protos.Weights;

namespace Vrm.Learner.Distributed;

/// <summary>
/// Pushes a snapshot to every alive worker in parallel (DESIGN §3 step 7): a chunked client stream per worker,
/// the reply's version checked, a failed push retried a bounded number of times with backoff. A worker that
/// refuses the version as not newer but already holds it counts as synced. Records vrm_weight_sync_duration_seconds.
/// Thread-safe; channels are kept per endpoint.
/// </summary>
public sealed class WeightPublisher : IDisposable
{
    private readonly WeightPublisherOptions _options;
    private readonly IGrainFactory? _grains;
    private readonly ConcurrentDictionary<Uri, GrpcChannel> _channels = new();

    /// <param name="grains">The Orleans client, for <see cref="PushAsync(WeightSnapshot, string, CancellationToken)"/> (targets from the worker registry).</param>
    public WeightPublisher(IGrainFactory? grains = null, WeightPublisherOptions? options = null)
    {
        _grains = grains;
        _options = (options ?? new WeightPublisherOptions()).Validate();
    }

    /// <summary>Pushes to every alive worker of the registry.</summary>
    public async Task<WeightPushResult> PushAsync(WeightSnapshot snapshot, string runId, CancellationToken cancellationToken)
    {
        if (_grains is null) throw new InvalidOperationException("this publisher has no Orleans client: pass targets explicitly");
        var workers = await _grains.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey).List();
        var targets = workers.Where(w => w.Liveness == WorkerLiveness.Alive)
            .Select(w => new WeightSyncTarget(w.WorkerId, new Uri(w.Capabilities.WeightSyncEndpoint)))
            .ToList();
        return await PushAsync(snapshot, runId, targets, cancellationToken);
    }

    public async Task<WeightPushResult> PushAsync(WeightSnapshot snapshot, string runId, IReadOnlyList<WeightSyncTarget> targets,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(targets.Select(t => PushOneAsync(snapshot, runId, t, cancellationToken)));
        var total = clock.Elapsed.TotalSeconds;
        WeightSyncMetrics.SyncDuration.Record(total, new KeyValuePair<string, object?>("scope", "total"));
        return new WeightPushResult(snapshot.Version, results, total);
    }

    private async Task<WorkerPushResult> PushOneAsync(WeightSnapshot snapshot, string runId, WeightSyncTarget target, CancellationToken cancellationToken)
    {
        await Task.Yield(); // start every worker's push before any of them writes
        var client = new WeightSync.WeightSyncClient(ChannelFor(target.Endpoint));
        var clock = Stopwatch.StartNew();
        string? error = null;
        int attempt = 0;
        while (++attempt <= _options.MaxAttempts)
        {
            if (attempt > 1)
            {
                WeightSyncMetrics.PushRetries.Add(1);
                await Task.Delay(_options.InitialBackoff * Math.Pow(2, attempt - 2), cancellationToken);
            }
            try
            {
                var reply = await PushAttemptAsync(client, target.Endpoint, snapshot, runId, attempt, cancellationToken);
                if (reply.Version != snapshot.Version)
                {
                    error = $"worker {target.WorkerId} replied version {reply.Version}, pushed {snapshot.Version}";
                    continue;
                }
                return Done(new WorkerPushResult(target.WorkerId, true, attempt, clock.Elapsed.TotalSeconds, snapshot.Payload.Length, null));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                // Not newer than what the worker holds: fine if it already has this version (e.g. a reply lost after a
                // successful push, or the worker pulled it); a wrong run is final either way.
                error = $"{e.StatusCode}: {e.Status.Detail}";
                if (await HoldsAsync(client, snapshot.Version, cancellationToken))
                    return Done(new WorkerPushResult(target.WorkerId, true, attempt, clock.Elapsed.TotalSeconds, 0, null, AlreadyCurrent: true));
                break;
            }
            catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                error = $"{e.StatusCode}: {e.Status.Detail}";
            }
        }
        WeightSyncMetrics.PushFailures.Add(1);
        return Done(new WorkerPushResult(target.WorkerId, false, Math.Min(attempt, _options.MaxAttempts), clock.Elapsed.TotalSeconds, 0, error));

        static WorkerPushResult Done(WorkerPushResult r)
        {
            WeightSyncMetrics.SyncDuration.Record(r.Seconds, new("scope", "worker"), new("worker_id", r.WorkerId));
            return r;
        }
    }

    private async Task<PushReply> PushAttemptAsync(WeightSync.WeightSyncClient client, Uri endpoint, WeightSnapshot snapshot, string runId,
        int attempt, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.AttemptTimeout;
        var header = WeightChunkWriter.HeaderOf(snapshot, runId);
        var slices = _options.InjectFault is { } fault && attempt <= fault.Attempts
            ? SpoiledSlices(snapshot.Payload, _options.ChunkBytes, fault.Kind)
            : WeightChunkWriter.Slices(snapshot.Payload, _options.ChunkBytes);
        if (_options.Transport == WeightPushTransport.LargeFrames)
            // One frame per chunk: the chunk plus its gRPC and protobuf prefixes (≤ 11 bytes).
            return await WeightPushConnection.PushAsync(endpoint, header, slices, Math.Max(16 << 10, _options.ChunkBytes + 16), deadline, cancellationToken);

        using var call = client.Push(deadline: deadline, cancellationToken: cancellationToken);
        try
        {
            await WeightChunkWriter.WriteAsync(call.RequestStream, header, slices, cancellationToken);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The worker refused early (e.g. at the header) and ended the call: its status is in ResponseAsync.
        }
        return await call.ResponseAsync;
    }

    /// <summary>Chaos: the payload's slices with one byte flipped (in a copy: never the snapshot) or only the first half.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> SpoiledSlices(ReadOnlyMemory<byte> payload, int chunkBytes, WeightPushFaultKind kind)
    {
        int end = kind == WeightPushFaultKind.Truncate ? payload.Length / 2 : payload.Length;
        bool first = true;
        foreach (var slice in WeightChunkWriter.Slices(payload[..end], chunkBytes))
        {
            if (kind == WeightPushFaultKind.Corrupt && first)
            {
                var copy = slice.ToArray();
                copy[copy.Length / 2] ^= 0x5A;
                yield return copy;
            }
            else yield return slice;
            first = false;
        }
    }

    private static async Task<bool> HoldsAsync(WeightSync.WeightSyncClient client, long version, CancellationToken cancellationToken)
    {
        try
        {
            var v = await client.GetVersionAsync(new GetVersionRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken);
            return v.Version == version || v.StagedVersion == version;
        }
        catch (RpcException) { return false; }
    }

    private GrpcChannel ChannelFor(Uri endpoint) => _channels.GetOrAdd(endpoint, e => GrpcChannel.ForAddress(e, new GrpcChannelOptions
    {
        MaxSendMessageSize = 64 << 20,
        MaxReceiveMessageSize = 64 << 20,
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, InitialHttp2StreamWindowSize = 16 << 20 },
    }));

    public void Dispose()
    {
        foreach (var c in _channels.Values) c.Dispose();
        _channels.Clear();
    }
}
