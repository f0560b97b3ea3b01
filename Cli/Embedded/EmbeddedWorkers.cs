using Microsoft.Extensions.Hosting;
using Vrm.Learner.Distributed;
using Vrm.Learner.Stages;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Policy;
using Vrm.RolloutWorker;

namespace Vrm.Cli.Embedded;

/// <summary>
/// N rollout workers inside the embedded cluster. Each is what <c>vrm worker</c> runs in its own process:
/// its own Orleans client (through the silo's gateway on loopback), its own WeightSync gRPC server, its own
/// copy of the policy (version 0 = the run's init checkpoint) and its own view of the run's prompts.
/// </summary>
public static class EmbeddedWorkers
{
    /// <summary>
    /// Starts the workers side by side (each loads its own policy and prompts, as a worker process would); every
    /// worker that started is handed to the cluster for disposal even when another fails.
    /// </summary>
    public static async Task StartAsync(EmbeddedCluster cluster, string runId, int count, CancellationToken ct)
    {
        var run = await OrchestratorRetry.Call(() => cluster.Grains.GetGrain<IRunGrain>(runId).Get(), ct);
        var config = LearnerRunConfig.FromJson(run.Spec!.ConfigJson);
        var view = RunDataView.FromConfigJson(run.Spec.ConfigJson);
        var starting = Enumerable.Range(1, count).Select(n => Task.Run(() => StartOneAsync(cluster, runId, $"worker-{n}", config, view, ct), ct)).ToArray();
        try { await Task.WhenAll(starting); }
        finally
        {
            foreach (var t in starting)
                if (t.IsCompletedSuccessfully) cluster.Workers.Add(t.Result);
        }
    }

    private static async Task<WorkerLease> StartOneAsync(EmbeddedCluster cluster, string runId, string workerId, LearnerRunConfig config, RunDataView view, CancellationToken ct)
    {
        var client = await OrchestratorClientBuilder.StartAsync(cluster.Endpoints.Cluster, ct);
        VrmModel? model = null;
        ExampleSet? data = null;
        try
        {
            (model, var tokenizer) = PolicyFactory.Load(config.InitCheckpoint);
            data = ExampleSet.Load(view.DataPath, "train", view.Tasks, model.Config.Vision, tokenizer, PromptTemplate.Default, view.TrainLimit);
            var host = await RolloutWorkerHost.StartAsync(client.Client(), workerId, runId, 0, "127.0.0.1", loopbackOnly: true,
                model, 0, data, tokenizer, cluster.RewardUrl, cluster.LearnerUrl);
            return new WorkerLease(host, client, model, data);
        }
        catch
        {
            data?.Dispose();
            model?.Dispose();
            await client.StopAsync();
            client.Dispose();
            throw;
        }
    }

    /// <summary>Disposes a worker and what it owns, in order: drain the loop, then its client and tensors.</summary>
    private sealed class WorkerLease(RolloutWorkerHost host, IHost client, VrmModel model, ExampleSet data) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.DisposeAsync();
            await client.StopAsync();
            client.Dispose();
            data.Dispose();
            model.Dispose();
        }
    }
}
