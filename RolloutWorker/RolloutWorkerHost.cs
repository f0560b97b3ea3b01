using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vrm.Policy;
using Vrm.Rewards.Service;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker;

/// <summary>
/// One complete rollout worker: its WeightSync gRPC endpoint and its work loop. <c>vrm worker</c> runs one;
/// the embedded <c>vrm train</c> and tests run several in one process, each with its own port, model copy and torch thread.
/// </summary>
public sealed class RolloutWorkerHost : IAsyncDisposable
{
    private readonly WebApplication _grpc;
    private readonly RewardClient _rewards;
    private readonly WeightPuller? _puller;
    private readonly CancellationTokenSource _stop;

    private RolloutWorkerHost(WebApplication grpc, RewardClient rewards, WeightPuller? puller, PolicyHolder holder, RolloutWorkerLoop loop,
        CancellationTokenSource stop, Task completion, Uri address)
    {
        _grpc = grpc; _rewards = rewards; _puller = puller; Holder = holder; Loop = loop; _stop = stop; Completion = completion; WeightSyncAddress = address;
    }

    public PolicyHolder Holder { get; }
    public RolloutWorkerLoop Loop { get; }
    /// <summary>Completes when the loop has drained (or faulted).</summary>
    public Task Completion { get; }
    public Uri WeightSyncAddress { get; }

    /// <param name="port">WeightSync port (0 = any free port; the advertised endpoint uses the bound one).</param>
    /// <param name="advertiseHost">Host name/IP the learner reaches this worker at (VRM_ADVERTISE_HOST).</param>
    /// <param name="model">This worker's own model copy, with the weights of <paramref name="version"/>.</param>
    public static async Task<RolloutWorkerHost> StartAsync(IGrainFactory grains, string workerId, string runId, int port, string advertiseHost,
        bool loopbackOnly, VrmModel model, long version, ExampleSet data, VrmTokenizer tokenizer, Uri rewardAddress, Uri? learnerAddress,
        int maxBatch = 64, ILogger? log = null, Func<RolloutWorkerOptions, RolloutWorkerOptions>? tune = null)
    {
        var holder = new PolicyHolder(runId, model, version, PolicyHolder.LayoutOf(model));
        var identity = new WorkerIdentity(workerId);
        var grpc = await WorkerGrpcHost.StartAsync(port, identity, holder, loopbackOnly);
        var address = new Uri($"http://{advertiseHost}:{WorkerGrpcHost.BoundPort(grpc)}");
        var rewards = new RewardClient(rewardAddress);
        var puller = learnerAddress is null ? null : new WeightPuller(learnerAddress, workerId);
        var options = new RolloutWorkerOptions { WorkerId = workerId, RunId = runId, WeightSyncEndpoint = address.ToString().TrimEnd('/'), MaxBatch = maxBatch };
        if (tune is not null) options = tune(options);
        var loop = new RolloutWorkerLoop(grains, holder, data, tokenizer, rewards, puller, options, log ?? NullLogger.Instance);
        var stop = new CancellationTokenSource();
        var completion = Task.Run(() => loop.RunAsync(stop.Token));
        return new RolloutWorkerHost(grpc, rewards, puller, holder, loop, stop, completion, address);
    }

    /// <summary>SIGTERM: finish the current assignment, lease nothing more, wait for the loop to exit.</summary>
    public async Task DrainAsync()
    {
        await _stop.CancelAsync();
        await Completion;
    }

    public async ValueTask DisposeAsync()
    {
        try { await DrainAsync(); }
        catch (Exception) { /* already reported by Completion to whoever awaited it */ }
        await _grpc.StopAsync();
        await _grpc.DisposeAsync();
        _rewards.Dispose();
        _puller?.Dispose();
        _stop.Dispose();
    }
}
