using System.CommandLine;
using System.Diagnostics;
using Vrm.Cli.Embedded;
using Vrm.Learner.Distributed;
using Vrm.Learner.Evaluation;
using Vrm.Learner.Grpo;
using Vrm.Learner.Stages;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Policy;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm train</c> — the README's main command. With no arguments: generate the default ShapesWorld data if
/// absent, run (or reuse) pretraining and SFT, start the embedded cluster (silo, reward service, learner,
/// N rollout workers — real grain calls and gRPC on loopback), submit a GRPO run, train it with live
/// progress, and end with a before/after table and a run folder (metrics.jsonl, checkpoints, report.html).
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var recipe = new DefaultRecipe();
        var home = new Option<string>("--home") { Description = "Folder for data, checkpoints and runs", DefaultValueFactory = _ => recipe.Home };
        var workers = new Option<int>("--workers") { Description = "Rollout workers in the embedded cluster", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "GRPO steps", DefaultValueFactory = _ => recipe.GrpoSteps };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => recipe.Seed };
        var staleness = new Option<int>("--max-staleness") { Description = "0: synchronous; k > 0: asynchronous with samples up to k versions old", DefaultValueFactory = _ => 0 };
        var cmd = new Command("train", "Run the whole loop on this machine: data → pretraining → SFT → distributed GRPO (embedded cluster) → before/after");
        foreach (var o in new Option[] { home, workers, steps, seed, staleness }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var r = recipe with { Home = pr.GetValue(home)!, Seed = pr.GetValue(seed), GrpoSteps = pr.GetValue(steps) };
            r = r with { Grpo = r.Grpo with { MaxStaleness = pr.GetValue(staleness) } };
            int n = pr.GetValue(workers);
            if (n < 1) { Console.Error.WriteLine("vrm train: --workers must be >= 1"); return 2; }
            try
            {
                var outcome = await RunAsync(r, n, ct);
                return outcome is null ? 1 : 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or Vrm.Data.DatasetInvalidException)
            {
                Console.Error.WriteLine($"vrm train: {e.Message}");
                return 2;
            }
        });
        return cmd;
    }

    /// <summary>What one <c>vrm train</c> produced: the GRPO result, its run folder and its orchestration overhead.</summary>
    public sealed record Outcome(GrpoRunResult Result, string RunDir, OrchestrationOverhead Overhead);

    /// <summary>
    /// The whole loop: prepare (or reuse) data, pretraining and SFT; start the embedded cluster; submit and train the
    /// GRPO run with <paramref name="workers"/> workers; print the before/after table and the overhead. Null when the
    /// run did not finish. Shared by <c>vrm train</c> and <c>vrm bench cluster --part train-overhead</c>.
    /// </summary>
    public static async Task<Outcome?> RunAsync(DefaultRecipe r, int workers, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // One process hosts every role: keep the console for progress, not for per-request framework logs.
        Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Error");
        await TorchThread.Run(() => r.Prepare(Console.WriteLine));
        var prepared = clock.Elapsed;
        await using var cluster = await EmbeddedCluster.StartAsync(ct);
        Console.WriteLine($"cluster: silo gateway :{cluster.Endpoints.GatewayPort}, dashboard http://127.0.0.1:{cluster.Endpoints.HttpPort}/dashboard, reward {cluster.RewardUrl}, weights {cluster.LearnerUrl}");
        var config = new LearnerRunConfig
        {
            Data = new RunDataConfig { Path = Path.GetFullPath(r.DataDir), Tasks = r.GrpoTasks },
            InitCheckpoint = Path.GetFullPath(r.SftDir), Grpo = r.Grpo, Seed = r.Seed, EvalLimit = r.EvalLimit, CheckpointEvery = 10,
        };
        var directory = cluster.Grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
        var spec = new RunSpec($"train-{DateTime.UtcNow:yyyyMMdd-HHmmss}", config.ToJson(), r.GrpoSteps, r.Grpo.MaxStaleness, Guid.NewGuid().ToString("N"));
        var run = await OrchestratorRetry.Call(() => directory.Submit(spec, null), ct);
        var runDir = Path.Combine(r.Home, "runs", run.RunId);
        Console.WriteLine($"run {run.RunId}: {r.GrpoSteps} GRPO steps, {r.Grpo.PromptsPerStep} prompts × {r.Grpo.GroupSize}, {workers} workers → {Path.GetFullPath(runDir)}");
        var grpoClock = Stopwatch.StartNew();
        var busyBefore = ModelComputeClock.Busy;
        var gapsBefore = ModelComputeClock.Mark("grpo start");
        // The workers load their policy and prompts while the learner loads its own and evaluates the start: as in
        // a cluster, where each role starts on its own node. A worker that cannot start stops the learner.
        using var learnerStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workersStarted = EmbeddedWorkers.StartAsync(cluster, run.RunId, workers, ct);
        _ = workersStarted.ContinueWith(_ =>
        {
            try { learnerStop.Cancel(); } catch (ObjectDisposedException) { }
        }, CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);

        var node = new LearnerNode(cluster.Grains, new ClusterPolicyPublisher(cluster.WeightSource, cluster.Publisher, Console.WriteLine), Console.WriteLine);
        var live = new LiveProgress(r.GrpoSteps);
        GrpoRunResult? result = null;
        try { await TorchThread.Run(() => result = node.Run(run.RunId, runDir, live.Report, learnerStop.Token)); }
        catch (OperationCanceledException) when (workersStarted.IsFaulted) { }
        await workersStarted; // rethrows why a worker could not start
        if (result is null || !result.Finished) { Console.Error.WriteLine("vrm train: the run did not finish"); return null; }
        var gapsAfter = ModelComputeClock.Mark("grpo end");
        var overhead = OrchestrationOverhead.Of(grpoClock.Elapsed, ModelComputeClock.Busy - busyBefore, clock.Elapsed, prepared,
            ModelComputeClock.Between(gapsBefore, gapsAfter));
        EvalTable.Print(result.After, result.Before, "before (SFT) / after (GRPO), greedy");
        var constant = ConstantAnswerBaseline.Measure(r.DataDir, r.GrpoTasks, r.EvalLimit);
        Console.WriteLine($"for reference: {constant.Describe()}");
        Console.WriteLine(overhead.Describe());
        foreach (var line in overhead.DescribeGaps()) Console.WriteLine(line);
        overhead.Write(Path.Combine(runDir, OrchestrationOverhead.FileName));
        Console.WriteLine($"run folder: {Path.GetFullPath(runDir)} (metrics.jsonl, checkpoints/, report.html) — total {clock.Elapsed:m\\:ss}");
        return new Outcome(result, runDir, overhead);
    }

    /// <summary>One line per step: step, reward, accuracy, format, tokens/s, ETA.</summary>
    private sealed class LiveProgress(int total)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _done;

        public void Report(GrpoStepMetrics m)
        {
            _done++;
            var eta = TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / _done * (total - _done));
            Console.WriteLine($"step {m["step"],4:0}/{total}  reward {m["reward_mean"]:0.000}  acc {m["accuracy"]:0.000}  format {m["format_rate"]:0.00}  " +
                              $"kl {m["kl"]:0.0000}  {m["tokens_per_second"],6:0} tok/s  sync {m["weight_sync_duration_seconds"] * 1000:0}ms  ETA {eta:m\\:ss}");
        }
    }
}
