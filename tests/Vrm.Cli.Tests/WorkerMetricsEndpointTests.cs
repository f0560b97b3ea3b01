using System.Security.Cryptography;
using Vrm.Cli.Hosting;
using Vrm.Learner.Distributed;
using Vrm.Policy;
using Vrm.RolloutWorker;

namespace Vrm.Cli.Tests;

/// <summary>
/// The worker role's /metrics, in process: a real WeightSync endpoint receives real gRPC pushes from the learner's
/// <see cref="WeightPublisher"/>, and the role's HTTP endpoint (the one <c>vrm worker --http-port</c> starts) shows
/// what happened: bytes and receive time per push, a refused older version, the version after the swap.
/// </summary>
public sealed class WorkerMetricsEndpointTests
{
    private static WeightSnapshot Synthetic(long version, int bytes, int seed)
    {
        var payload = new byte[bytes];
        new Random(seed).NextBytes(payload);
        var header = new WeightSnapshotHeader(version, [new WeightLayoutEntry("w", "U8", [bytes], 0, bytes)], bytes, Convert.ToHexStringLower(SHA256.HashData(payload)));
        return WeightSnapshot.FromParts(header, payload);
    }

    [Fact]
    public async Task Worker_endpoint_reports_pushes_refusals_and_the_swapped_version()
    {
        string workerId = $"w-metrics-{Guid.NewGuid():N}";
        int httpPort = PrometheusText.FreePort();
        await using var http = await RoleHttpEndpoint.StartAsync("worker", httpPort, [WorkerMetrics.MeterName], loopbackOnly: true);
        var holder = new PolicyHolder("run-m", null, 0);
        var grpc = await WorkerGrpcHost.StartAsync(0, new WorkerIdentity(workerId), holder, loopbackOnly: true);
        try
        {
            var target = new WeightSyncTarget(workerId, new Uri($"http://127.0.0.1:{WorkerGrpcHost.BoundPort(grpc)}"));
            using var publisher = new WeightPublisher(options: new WeightPublisherOptions { MaxAttempts = 1, ChunkBytes = 64 << 10 });
            const int size = 3 << 20;
            var v1 = Synthetic(1, size, seed: 1);
            Assert.True((await publisher.PushAsync(v1, "run-m", [target], CancellationToken.None)).AllSucceeded);
            // The same version again: the worker refuses it at the header (not newer); the publisher sees it holds v1 staged.
            var again = Assert.Single((await publisher.PushAsync(Synthetic(1, 1024, seed: 2), "run-m", [target], CancellationToken.None)).Workers);
            Assert.True(again.AlreadyCurrent, again.Error);
            Assert.Equal(1, holder.SwapStaged());

            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("ok", await client.GetStringAsync("/healthz"));
            string metrics = "";
            var who = ("worker_id", workerId);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                metrics = await client.GetStringAsync("/metrics");
                if (PrometheusText.Value(metrics, "vrm_worker_weight_swaps_total", who) == 1) break;
                await Task.Delay(300);
            }
            Assert.Equal(1, PrometheusText.Value(metrics, "vrm_worker_policy_version", who));
            Assert.Equal(-1, PrometheusText.Value(metrics, "vrm_worker_staged_policy_version", who));
            Assert.Equal(1, PrometheusText.Value(metrics, "vrm_worker_weight_swaps_total", who));
            Assert.Equal(size, PrometheusText.Value(metrics, "vrm_worker_weight_bytes_received_total", who, ("source", "push")));
            Assert.Equal(1, PrometheusText.Value(metrics, "vrm_worker_weight_receive_duration_seconds_count", who, ("source", "push")));
            Assert.Equal(1, PrometheusText.Value(metrics, "vrm_worker_weight_transfers_refused_total", who, ("source", "push"), ("status", "FailedPrecondition")));
            Assert.NotNull(PrometheusText.Value(metrics, "dotnet_gc_collections_total")); // the runtime meter rides along
        }
        finally
        {
            await grpc.StopAsync();
            await grpc.DisposeAsync();
        }
    }

    [Fact]
    public void Http_port_comes_from_the_flag_else_the_environment_else_8080()
    {
        Assert.Equal(9100, RoleHttpEndpoint.ResolvePort(9100, _ => "9200"));
        Assert.Equal(9200, RoleHttpEndpoint.ResolvePort(null, _ => " 9200 "));
        Assert.Equal(8080, RoleHttpEndpoint.ResolvePort(null, _ => null));
        Assert.Equal(0, RoleHttpEndpoint.ResolvePort(0, _ => "9200")); // 0 = no HTTP port
        Assert.Contains("VRM_HTTP_PORT: 'eighty' is not a port number", Assert.Throws<ArgumentException>(() => RoleHttpEndpoint.ResolvePort(null, _ => "eighty")).Message);
        Assert.Contains("--http-port: -1", Assert.Throws<ArgumentException>(() => RoleHttpEndpoint.ResolvePort(-1, _ => null)).Message);
    }
}
