using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Vrm.Cli.Hosting;
using Vrm.Learner.Distributed;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm learner</c> (cluster mode): an Orleans client that waits for a PENDING run (or takes <c>--run</c>),
/// trains it with GRPO from the rollouts the workers complete, publishes every new version to the workers,
/// and serves the current weights to pulls on VRM_LEARNER_PORT. Restarted, it resumes the run it held
/// from the newest checkpoint under VRM_CHECKPOINT_DIR.
/// </summary>
public static class LearnerCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run") { Description = "Train this run id (default: claim the oldest PENDING run, waiting for one)" };
        var checkpoints = new Option<string?>("--checkpoint-dir") { Description = "Run folders and checkpoints (env VRM_CHECKPOINT_DIR, default /checkpoints)" };
        var port = new Option<int?>("--port") { Description = "WeightSource gRPC port for worker pulls (env VRM_LEARNER_PORT, default 7300)" };
        var id = new Option<string?>("--learner-id") { Description = "Identity used to claim runs (default POD_NAME or host name)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Base of relative dataset and checkpoint paths in run configs (env VRM_DATA_DIR, default /data; the workers use the same)" };
        var once = new Option<bool>("--once") { Description = "Exit after one run instead of waiting for the next" };
        var httpPort = RoleHttpEndpoint.CreateOption();
        var cmd = new Command("learner", "Cluster learner: claim a run, train it with GRPO, push weights to the workers");
        foreach (var o in new Option[] { run, checkpoints, port, id, once, httpPort, dataDir }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            string root = pr.GetValue(checkpoints) ?? Environment.GetEnvironmentVariable("VRM_CHECKPOINT_DIR") ?? "/checkpoints";
            int learnerPort = pr.GetValue(port) ?? ClusterEndpoints.EnvPort(Environment.GetEnvironmentVariable, WeightSourceServer.PortVariable, WeightSourceServer.DefaultPort);
            string learnerId = pr.GetValue(id) ?? Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;
            int metricsPort;
            try { metricsPort = RoleHttpEndpoint.ResolvePort(pr.GetValue(httpPort)); }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"vrm learner: {e.Message}"); return 2; }
            await using var http = await RoleHttpEndpoint.StartAsync("learner", metricsPort, [LearnerMetrics.MeterName, WeightSyncMetrics.MeterName], cancellationToken: ct);
            using var client = await OrchestratorClientBuilder.StartAsync(ClusterEndpoints.FromEnvironment(), ct);
            var grains = client.Client();
            var source = new WeightSourceServer();
            await using var sourceApp = await WeightSourceHost.StartAsync(learnerPort, source, loopbackOnly: false, cancellationToken: ct);
            using var pushes = new WeightPublisher(grains);
            var node = new LearnerNode(grains, new ClusterPolicyPublisher(source, pushes, Console.WriteLine), Console.WriteLine)
            {
                DataRoot = pr.GetValue(dataDir) ?? Environment.GetEnvironmentVariable("VRM_DATA_DIR") ?? "/data",
            };
            Console.WriteLine($"vrm learner {learnerId}: weights served on :{learnerPort}, checkpoints under {Path.GetFullPath(root)}");
            var directory = grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
            while (!ct.IsCancellationRequested)
            {
                string? runId = pr.GetValue(run);
                if (runId is null)
                {
                    var claimed = await OrchestratorRetry.Call(() => directory.ClaimPendingRun(learnerId), ct);
                    if (claimed is null) { await Task.Delay(TimeSpan.FromSeconds(1), ct); continue; }
                    runId = claimed.RunId;
                }
                Console.WriteLine($"vrm learner: attached to run {runId}");
                var dir = Path.Combine(root, "runs", runId);
                // Torch work stays on this one dedicated thread for the whole run (dispose scopes are per-thread).
                Exception? failure = null;
                try { await TorchThread.Run(() => node.Run(runId, dir, onStep: m => LearnerMetrics.RecordStep(runId, m), ct: ct), "learner-torch"); }
                catch (Exception e) { failure = e; }
                if (failure is not null && failure is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"vrm learner: run {runId} failed: {failure.Message}");
                    await OrchestratorRetry.Call(() => grains.GetGrain<IRunGrain>(runId).Fail(failure.Message), CancellationToken.None);
                }
                if (pr.GetValue(once) || pr.GetValue(run) is not null) break;
            }
            return 0;
        });
        return cmd;
    }
}
