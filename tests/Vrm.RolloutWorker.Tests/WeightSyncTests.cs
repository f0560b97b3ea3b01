using Grpc.Core;
using Grpc.Net.Client;
using Vrm.Learner.Distributed;
using Vrm.Policy;
using Vrm.Protos.Weights;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker.Tests;

public sealed class WeightSyncTests
{
    private static readonly WeightPublisherOptions OneAttempt = new() { MaxAttempts = 1, ChunkBytes = 4096 };

    private static (WeightSnapshot Snapshot, int[][] Greedy) ModelB(long version)
    {
        using var b = TinyPolicy.Create(seed: 2);
        return (WeightSnapshot.Capture(b, version), TinyPolicy.Greedy(b));
    }

    [Fact]
    public async Task Push_is_verified_staged_and_swapped_only_between_batches()
    {
        await using var worker = await WorkerEndpoint.StartAsync();
        var greedyA = TinyPolicy.Greedy(worker.Model);
        var (snapshot, greedyB) = ModelB(version: 1);
        Assert.NotEqual(greedyA, greedyB); // otherwise the test could not tell the weights apart

        using var publisher = new WeightPublisher(options: OneAttempt);
        var result = await publisher.PushAsync(snapshot, "run-1", [new WeightSyncTarget("w1", worker.Address)], CancellationToken.None);

        var w = Assert.Single(result.Workers);
        Assert.True(w.Succeeded, w.Error);
        Assert.Equal(1, w.Attempts);
        Assert.Equal(1, worker.Holder.StagedVersion);
        Assert.Equal(0, worker.Holder.Version);
        Assert.Equal(greedyA, TinyPolicy.Greedy(worker.Model)); // staged, not yet serving

        Assert.Equal(1, worker.Holder.SwapStaged());
        Assert.Equal(PolicyHolder.NoVersion, worker.Holder.StagedVersion);
        Assert.Equal(greedyB, TinyPolicy.Greedy(worker.Model));
    }

    [Theory]
    [InlineData(WeightPushFaultKind.Corrupt, "DataLoss", "SHA-256 mismatch")]
    [InlineData(WeightPushFaultKind.Truncate, "InvalidArgument", "truncated")]
    public async Task Spoiled_push_is_refused_and_the_old_version_keeps_serving(WeightPushFaultKind fault, string status, string reason)
    {
        await using var worker = await WorkerEndpoint.StartAsync();
        var greedyA = TinyPolicy.Greedy(worker.Model);
        var (snapshot, _) = ModelB(version: 1);

        using var publisher = new WeightPublisher(options: OneAttempt with { InjectFault = new WeightPushFault(fault) });
        var w = Assert.Single((await publisher.PushAsync(snapshot, "run-1", [new WeightSyncTarget("w1", worker.Address)], CancellationToken.None)).Workers);

        Assert.False(w.Succeeded);
        Assert.StartsWith(status + ":", w.Error);
        Assert.Contains(reason, w.Error);
        Assert.Equal(PolicyHolder.NoVersion, worker.Holder.StagedVersion);
        Assert.Equal(0, worker.Holder.SwapStaged());
        Assert.Equal(greedyA, TinyPolicy.Greedy(worker.Model));
    }

    [Fact]
    public async Task Older_version_wrong_run_and_wrong_layout_are_refused_with_named_statuses()
    {
        await using var worker = await WorkerEndpoint.StartAsync(version: 5);
        var greedyA = TinyPolicy.Greedy(worker.Model);
        using var channel = GrpcChannel.ForAddress(worker.Address);
        var client = new Protos.Weights.WeightSync.WeightSyncClient(channel);

        var older = await Assert.ThrowsAsync<RpcException>(() => RawPush(client, ModelB(3).Snapshot, "run-1"));
        Assert.Equal(StatusCode.FailedPrecondition, older.StatusCode);
        Assert.Contains("older version 3 ≤ current 5", older.Status.Detail);

        var wrongRun = await Assert.ThrowsAsync<RpcException>(() => RawPush(client, ModelB(6).Snapshot, "run-2"));
        Assert.Equal(StatusCode.FailedPrecondition, wrongRun.StatusCode);
        Assert.Contains("run 'run-2'", wrongRun.Status.Detail);

        using var bigger = TinyPolicy.Create(seed: 3, layers: 3);
        var wrongSize = await Assert.ThrowsAsync<RpcException>(() => RawPush(client, WeightSnapshot.Capture(bigger, 6), "run-1"));
        Assert.Equal(StatusCode.InvalidArgument, wrongSize.StatusCode);
        Assert.Contains("total_bytes", wrongSize.Status.Detail);

        // More bytes than the header announces: refused as a wrong size.
        var longer = await Assert.ThrowsAsync<RpcException>(() => RawPush(client, ModelB(6).Snapshot, "run-1", extraBytes: 16));
        Assert.Equal(StatusCode.InvalidArgument, longer.StatusCode);
        Assert.Contains("more than the header's total_bytes", longer.Status.Detail);

        var version = await client.GetVersionAsync(new GetVersionRequest());
        Assert.Equal(5, version.Version);
        Assert.Equal(PolicyHolder.NoVersion, version.StagedVersion);
        Assert.Equal(5, worker.Holder.SwapStaged());
        Assert.Equal(greedyA, TinyPolicy.Greedy(worker.Model));
    }

    [Fact]
    public async Task A_restarted_learners_newer_epoch_wins_over_a_higher_version_of_the_dead_one()
    {
        await using var worker = await WorkerEndpoint.StartAsync(version: 0);
        using var channel = GrpcChannel.ForAddress(worker.Address);
        var client = new Protos.Weights.WeightSync.WeightSyncClient(channel);
        using var b = TinyPolicy.Create(seed: 2);
        using var c = TinyPolicy.Create(seed: 3);
        const long dead = 1_000, restarted = 2_000;

        // The first learner pushed up to v4, then died; its checkpoint was at v2.
        await RawPush(client, WeightSnapshot.Capture(b, 4, dead), "run-1");
        Assert.Equal(4, worker.Holder.SwapStaged());
        Assert.Equal(dead, worker.Holder.Epoch);

        // The restarted learner resumes at v2 (its checkpoint) and re-issues v3: both accepted, v3 serves.
        await RawPush(client, WeightSnapshot.Capture(c, 2, restarted), "run-1");
        await RawPush(client, WeightSnapshot.Capture(c, 3, restarted), "run-1");
        Assert.Equal(3, worker.Holder.SwapStaged());
        Assert.Equal(restarted, worker.Holder.Epoch);
        Assert.Equal(TinyPolicy.Greedy(c), TinyPolicy.Greedy(worker.Model));

        // A late push from the dead learner (higher version, older epoch) is refused; so is an older version of the new epoch.
        var stale = await Assert.ThrowsAsync<RpcException>(() => RawPush(client, WeightSnapshot.Capture(b, 5, dead), "run-1"));
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Contains("older learner epoch", stale.Status.Detail);
        var older = await Assert.ThrowsAsync<RpcException>(() => RawPush(client, WeightSnapshot.Capture(c, 3, restarted), "run-1"));
        Assert.Contains("older version 3 ≤ current 3", older.Status.Detail);
        Assert.Equal(3, worker.Holder.SwapStaged());
        Assert.Equal(TinyPolicy.Greedy(c), TinyPolicy.Greedy(worker.Model));
    }

    private static async Task RawPush(Protos.Weights.WeightSync.WeightSyncClient client, WeightSnapshot snapshot, string runId, int extraBytes = 0)
    {
        using var call = client.Push();
        try
        {
            await WeightChunkWriter.WriteAsync(call.RequestStream, snapshot, runId, 4096);
            if (extraBytes > 0) await call.RequestStream.WriteAsync(new WeightChunk { Data = Google.Protobuf.ByteString.CopyFrom(new byte[extraBytes]) });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException) { }
        await call.ResponseAsync;
    }

    [Fact]
    public async Task Publisher_retries_a_push_that_failed_once()
    {
        await using var worker = await WorkerEndpoint.StartAsync();
        var (snapshot, greedyB) = ModelB(version: 1);
        using var publisher = new WeightPublisher(options: new WeightPublisherOptions
        {
            MaxAttempts = 3, ChunkBytes = 4096, InitialBackoff = TimeSpan.FromMilliseconds(20),
            InjectFault = new WeightPushFault(WeightPushFaultKind.Corrupt, Attempts: 1),
        });
        var w = Assert.Single((await publisher.PushAsync(snapshot, "run-1", [new WeightSyncTarget("w1", worker.Address)], CancellationToken.None)).Workers);
        Assert.True(w.Succeeded, w.Error);
        Assert.Equal(2, w.Attempts);
        Assert.Equal(1, worker.Holder.SwapStaged());
        Assert.Equal(greedyB, TinyPolicy.Greedy(worker.Model));
    }

    [Fact]
    public async Task Publisher_pushes_to_several_workers_in_parallel_and_reports_each()
    {
        await using var w1 = await WorkerEndpoint.StartAsync(workerId: "w1");
        await using var w2 = await WorkerEndpoint.StartAsync(workerId: "w2", version: 4);
        var (snapshot, _) = ModelB(version: 2);
        using var publisher = new WeightPublisher(options: OneAttempt);
        var result = await publisher.PushAsync(snapshot, "run-1",
            [new WeightSyncTarget("w1", w1.Address), new WeightSyncTarget("w2", w2.Address)], CancellationToken.None);
        Assert.True(result.Workers.Single(w => w.WorkerId == "w1").Succeeded);
        var refused = result.Workers.Single(w => w.WorkerId == "w2");
        Assert.False(refused.Succeeded); // w2 already serves a newer version (4)
        Assert.Contains("older version 2 ≤ current 4", refused.Error);
        Assert.False(result.AllSucceeded);
    }

    [Theory]
    [InlineData(WeightPushTransport.LargeFrames, 1 << 20)] // 1 MiB DATA frames: above Kestrel's default 1 MiB request buffer
    [InlineData(WeightPushTransport.LargeFrames, 3 << 20)]
    [InlineData(WeightPushTransport.GrpcClient, 1 << 20)]
    public async Task Multi_MiB_push_arrives_verified_over_each_transport(WeightPushTransport transport, int chunkBytes)
    {
        // 7 MiB + 123 B of random bytes: several full chunks and a short last one; SHA-256 on arrival proves every byte.
        var payload = new byte[(7 << 20) + 123];
        new Random(transport.GetHashCode() ^ chunkBytes).NextBytes(payload);
        var header = new WeightSnapshotHeader(1, [new WeightLayoutEntry("blob", "U8", [payload.Length], 0, payload.Length)], payload.Length,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
        var holder = new PolicyHolder("run-1", null, 0);
        var app = await WorkerGrpcHost.StartAsync(0, new WorkerIdentity("w1"), holder, loopbackOnly: true);
        try
        {
            using var publisher = new WeightPublisher(options: new WeightPublisherOptions { MaxAttempts = 1, ChunkBytes = chunkBytes, Transport = transport });
            var target = new WeightSyncTarget("w1", new Uri($"http://127.0.0.1:{WorkerGrpcHost.BoundPort(app)}"));
            long directBefore = ArrivedWeightChunk.BytesIntoSinkTotal, bulkBefore = BulkPushConnection.BytesReceivedTotal;
            var w = Assert.Single((await publisher.PushAsync(WeightSnapshot.FromParts(header, payload), "run-1", [target], CancellationToken.None)).Workers);
            Assert.True(w.Succeeded, w.Error);
            Assert.Equal(1, holder.StagedVersion);
            // LargeFrames announces the bulk path: the worker parses its frames off the transport pipe (BulkPushConnection).
            // The stock client goes through Kestrel's HTTP/2, and every chunk after the header went from the request pipe
            // straight into the snapshot array (no ByteString in between).
            long bulk = BulkPushConnection.BytesReceivedTotal - bulkBefore, direct = ArrivedWeightChunk.BytesIntoSinkTotal - directBefore;
            if (transport == WeightPushTransport.LargeFrames)
                Assert.True(bulk >= payload.Length, $"{bulk} of {payload.Length} bytes over the bulk path");
            else
                Assert.True(direct >= payload.Length, $"{direct} of {payload.Length} bytes parsed straight into the snapshot array");

            // The same bytes with one flipped after capture: the worker's digest refuses them (the header still names the old SHA-256).
            payload[payload.Length - 5] ^= 1;
            var spoiled = WeightSnapshot.FromParts(header with { Version = 2 }, payload);
            var refused = Assert.Single((await publisher.PushAsync(spoiled, "run-1", [target], CancellationToken.None)).Workers);
            Assert.False(refused.Succeeded);
            Assert.StartsWith("DataLoss:", refused.Error);
            Assert.Equal(1, holder.StagedVersion);
        }
        finally { await app.StopAsync(); await app.DisposeAsync(); }
    }

    [Fact]
    public async Task Late_joining_worker_pulls_the_current_version_from_the_learner()
    {
        var (snapshot, greedyB) = ModelB(version: 3);
        var source = new WeightSourceServer(chunkBytes: 4096);
        await using var learner = await WeightSourceHost.StartAsync(0, source, loopbackOnly: true);
        await using var worker = await WorkerEndpoint.StartAsync();
        using var puller = new WeightPuller(WeightSourceHost.LoopbackAddress(learner));

        var none = await Assert.ThrowsAsync<RpcException>(() => puller.PullAsync(worker.Holder, CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, none.StatusCode); // the learner has published nothing yet

        source.SetCurrent(snapshot, "run-1");
        Assert.Equal(3, await puller.PullAsync(worker.Holder, CancellationToken.None));
        Assert.Equal(3, worker.Holder.SwapStaged());
        Assert.Equal(greedyB, TinyPolicy.Greedy(worker.Model));
        Assert.Null(await puller.PullAsync(worker.Holder, CancellationToken.None)); // nothing newer now
    }
}
