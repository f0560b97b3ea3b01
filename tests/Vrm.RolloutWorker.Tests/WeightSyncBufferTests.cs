using System.Security.Cryptography;
using Grpc.Core;
using Vrm.Learner.Distributed;
using Vrm.Policy;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker.Tests;

/// <summary>The worker's reused receive arrays and the sink's hash-behind-the-receive thread.</summary>
public sealed class WeightSyncBufferTests
{
    private static (WeightSnapshotHeader Header, byte[] Payload) Blob(int bytes, int seed, long version = 1)
    {
        var payload = new byte[bytes];
        new Random(seed).NextBytes(payload);
        var header = new WeightSnapshotHeader(version, [new WeightLayoutEntry("blob", "U8", [bytes], 0, bytes)], bytes,
            Convert.ToHexStringLower(SHA256.HashData(payload)));
        return (header, payload);
    }

    [Fact]
    public async Task Pushes_reuse_one_receive_array_and_a_refused_push_leaves_the_serving_version_intact()
    {
        await using var worker = await WorkerEndpoint.StartAsync();
        var target = new WeightSyncTarget("w1", worker.Address);
        using var publisher = new WeightPublisher(options: new WeightPublisherOptions { MaxAttempts = 1, ChunkBytes = 4096 });
        using var b = TinyPolicy.Create(seed: 2);
        using var c = TinyPolicy.Create(seed: 3);
        var (greedyB, greedyC) = (TinyPolicy.Greedy(b), TinyPolicy.Greedy(c));
        Assert.NotEqual(greedyB, greedyC); // otherwise the test could not tell the weights apart

        var first = Assert.Single((await publisher.PushAsync(WeightSnapshot.Capture(b, 1), "run-1", [target], CancellationToken.None)).Workers);
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal(1, worker.Holder.SwapStaged());
        Assert.Equal(greedyB, TinyPolicy.Greedy(worker.Model));
        Assert.Equal(1, worker.Holder.ReceiveBuffers.Allocations);
        Assert.Equal(1, worker.Holder.ReceiveBuffers.SpareCount); // applied: its array waits for the next version

        // A corrupted v2 lands in the spare array and is refused: v1 keeps serving, the array goes back to the pool.
        using (var corrupting = new WeightPublisher(options: new WeightPublisherOptions
               { MaxAttempts = 1, ChunkBytes = 4096, InjectFault = new WeightPushFault(WeightPushFaultKind.Corrupt) }))
        {
            var refused = Assert.Single((await corrupting.PushAsync(WeightSnapshot.Capture(c, 2), "run-1", [target], CancellationToken.None)).Workers);
            Assert.False(refused.Succeeded);
            Assert.StartsWith("DataLoss:", refused.Error);
        }
        Assert.Equal(PolicyHolder.NoVersion, worker.Holder.StagedVersion);
        Assert.Equal(1, worker.Holder.SwapStaged());
        Assert.Equal(greedyB, TinyPolicy.Greedy(worker.Model));
        Assert.Equal(1, worker.Holder.ReceiveBuffers.SpareCount);

        // The good v2 reuses the same array (now holding the refused bytes): every byte is overwritten and verified.
        var second = Assert.Single((await publisher.PushAsync(WeightSnapshot.Capture(c, 2), "run-1", [target], CancellationToken.None)).Workers);
        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(2, worker.Holder.SwapStaged());
        Assert.Equal(greedyC, TinyPolicy.Greedy(worker.Model));
        Assert.Equal(1, worker.Holder.ReceiveBuffers.Allocations);
        Assert.Equal(2, worker.Holder.ReceiveBuffers.Reuses);
    }

    [Fact]
    public void A_staged_snapshot_replaced_by_a_newer_one_returns_its_array()
    {
        var holder = new PolicyHolder("run-1", null, 0);
        var (h1, p1) = Blob(4096, seed: 1, version: 1);
        var (h2, p2) = Blob(4096, seed: 2, version: 2);
        holder.Stage(Receive(holder, h1, p1));
        Assert.Equal(0, holder.ReceiveBuffers.SpareCount);
        holder.Stage(Receive(holder, h2, p2)); // v1 was never applied: its array is free now
        Assert.Equal(2, holder.ReceiveBuffers.Allocations);
        Assert.Equal(1, holder.ReceiveBuffers.SpareCount);
        Assert.Equal(2, holder.SwapStaged());
        Assert.Equal(2, holder.ReceiveBuffers.SpareCount);
    }

    private static ReceivedWeights Receive(PolicyHolder holder, WeightSnapshotHeader header, byte[] payload)
    {
        using var sink = new WeightPayloadSink(header, holder.ReceiveBuffers);
        sink.Append(payload);
        return new ReceivedWeights(holder.RunId, sink.Complete(), sink.Received, 0);
    }

    [Fact]
    public void Receive_buffers_take_back_only_their_own_arrays_and_forget_an_old_size()
    {
        var pool = new WeightReceiveBuffers();
        var a = pool.Rent(100);
        Assert.False(pool.Return(new byte[100])); // not rented here: e.g. a snapshot sharing the learner's array
        Assert.True(pool.Return(a));
        Assert.False(pool.Return(a)); // twice would hand one array to two pushes
        Assert.Same(a, pool.Rent(100));
        var other = pool.Rent(100);
        Assert.NotSame(a, other);
        pool.Return(a);
        pool.Return(other);
        Assert.Equal(2, pool.SpareCount);
        var bigger = pool.Rent(200); // the model changed size
        pool.Return(bigger);
        Assert.Equal(1, pool.SpareCount);
        Assert.Same(bigger, pool.Rent(200));
        Assert.Equal(3, pool.Allocations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4093)]
    [InlineData(3 << 20)]
    public void Sink_hashes_behind_the_receive_whatever_the_piece_size(int piece)
    {
        var (header, payload) = Blob((5 << 20) + 17, seed: piece);
        using var sink = new WeightPayloadSink(header);
        for (int at = 0; at < payload.Length; at += piece)
            sink.Append(payload.AsSpan(at, Math.Min(piece, payload.Length - at)));
        var snapshot = sink.Complete();
        Assert.Equal(payload, snapshot.Payload.ToArray());
    }

    [Fact]
    public void Sink_refuses_a_flipped_byte_a_short_and_an_overlong_payload_and_returns_the_array()
    {
        var pool = new WeightReceiveBuffers();
        var (header, payload) = Blob(1 << 20, seed: 7);
        var flipped = (byte[])payload.Clone();
        flipped[^1] ^= 0x10;

        using (var sink = new WeightPayloadSink(header, pool))
        {
            sink.Append(flipped);
            Assert.Equal(StatusCode.DataLoss, Assert.Throws<WeightTransferException>(() => sink.Complete()).Status);
        }
        using (var sink = new WeightPayloadSink(header, pool))
        {
            sink.Append(payload.AsSpan(0, payload.Length - 1));
            var e = Assert.Throws<WeightTransferException>(() => sink.Complete());
            Assert.Equal(StatusCode.InvalidArgument, e.Status);
            Assert.Contains("truncated", e.Message);
        }
        using (var sink = new WeightPayloadSink(header, pool))
        {
            sink.Append(payload);
            var e = Assert.Throws<WeightTransferException>(() => sink.Append(new byte[1]));
            Assert.Contains("more than the header's total_bytes", e.Message);
        }
        Assert.Equal(1, pool.Allocations); // each refused payload gave its array back to the next
        Assert.Equal(2, pool.Reuses);
        Assert.Equal(1, pool.SpareCount);
    }
}

/// <summary>The worker's bulk push path (<see cref="BulkPushConnection"/>) beside Kestrel's HTTP/2 on one port.</summary>
public sealed class WeightSyncBulkPathTests
{
    [Fact]
    public void Learner_and_worker_agree_on_the_private_setting() =>
        Assert.Equal(BulkPushConnection.SettingId, WeightPushConnection.BulkPushSettingId);

    [Fact]
    public async Task Bulk_and_stock_clients_share_the_port_and_the_bulk_path_refuses_with_named_statuses()
    {
        await using var worker = await WorkerEndpoint.StartAsync();
        var target = new WeightSyncTarget("w1", worker.Address);
        using var b = TinyPolicy.Create(seed: 2);
        var v1 = WeightSnapshot.Capture(b, 1);

        // Bulk path: a push for another run is refused at its header with the holder's named status.
        long before = BulkPushConnection.BytesReceivedTotal;
        using var bulk = new WeightPublisher(options: new WeightPublisherOptions { MaxAttempts = 1, ChunkBytes = 4096 });
        var wrongRun = Assert.Single((await bulk.PushAsync(v1, "run-other", [target], CancellationToken.None)).Workers);
        Assert.False(wrongRun.Succeeded);
        Assert.StartsWith("FailedPrecondition:", wrongRun.Error);
        Assert.Contains("run-other", wrongRun.Error);

        // Truncated on the bulk path: refused, nothing staged.
        using (var truncating = new WeightPublisher(options: new WeightPublisherOptions
               { MaxAttempts = 1, ChunkBytes = 4096, InjectFault = new WeightPushFault(WeightPushFaultKind.Truncate) }))
        {
            var cut = Assert.Single((await truncating.PushAsync(v1, "run-1", [target], CancellationToken.None)).Workers);
            Assert.False(cut.Succeeded);
            Assert.StartsWith("InvalidArgument:", cut.Error);
            Assert.Contains("truncated", cut.Error);
        }
        Assert.Equal(PolicyHolder.NoVersion, worker.Holder.StagedVersion);

        var ok = Assert.Single((await bulk.PushAsync(v1, "run-1", [target], CancellationToken.None)).Workers);
        Assert.True(ok.Succeeded, ok.Error);
        Assert.True(BulkPushConnection.BytesReceivedTotal - before >= v1.Payload.Length);
        Assert.Equal(1, worker.Holder.SwapStaged());

        // The stock gRPC client on the same port: GetVersion and a v2 push through Kestrel's HTTP/2 (no bulk setting).
        using var stock = new WeightPublisher(options: new WeightPublisherOptions { MaxAttempts = 1, ChunkBytes = 4096, Transport = WeightPushTransport.GrpcClient });
        var v2 = Assert.Single((await stock.PushAsync(WeightSnapshot.Capture(b, 2), "run-1", [target], CancellationToken.None)).Workers);
        Assert.True(v2.Succeeded, v2.Error);
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(worker.Address);
        var version = await new Protos.Weights.WeightSync.WeightSyncClient(channel).GetVersionAsync(new Protos.Weights.GetVersionRequest());
        Assert.Equal(1, version.Version);
        Assert.Equal(2, version.StagedVersion);
    }
}
