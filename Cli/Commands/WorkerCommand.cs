using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Policy;
using Vrm.Policy.Config;
using Vrm.RolloutWorker;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm worker</c>: one rollout worker (container entrypoint of the worker role). Joins the cluster as an Orleans
/// client, serves WeightSync + gRPC health on an HTTP/2 cleartext port, and loops lease → sample → score → complete
/// for one run. SIGTERM (Ctrl+C) drains: the current assignment is finished and completed, then it exits.
/// Flags, else environment (VRM_RUN_ID, VRM_WORKER_ID / POD_NAME, VRM_WEIGHTSYNC_PORT, VRM_ADVERTISE_HOST / POD_IP,
/// VRM_REWARD_URL, VRM_LEARNER_URL, VRM_DATA_DIR, VRM_REDIS …), else defaults.
/// </summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run") { Description = "run id to work for (env VRM_RUN_ID)" };
        var id = new Option<string?>("--worker-id") { Description = "worker id (env VRM_WORKER_ID, else POD_NAME, else host name)" };
        var port = new Option<int?>("--port") { Description = $"WeightSync gRPC port (env VRM_WEIGHTSYNC_PORT, default {WorkerGrpcHost.DefaultPort}; 0 = any free port)" };
        var advertise = new Option<string?>("--advertise-host") { Description = "host/IP the learner pushes weights to (env VRM_ADVERTISE_HOST, else POD_IP, else 127.0.0.1)" };
        var reward = new Option<string?>("--reward-url") { Description = "RewardService address (env VRM_REWARD_URL, default http://127.0.0.1:7200)" };
        var learner = new Option<string?>("--learner-url") { Description = "learner WeightSource address for pulls, e.g. http://learner:7300 (env VRM_LEARNER_URL; none = wait for pushes)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "base of relative dataset paths in the run config (env VRM_DATA_DIR, default /data)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "initial policy checkpoint folder (its weights are version --checkpoint-version); without it the worker pulls its first weights" };
        var checkpointVersion = new Option<long>("--checkpoint-version") { Description = "policy version of --checkpoint's weights", DefaultValueFactory = _ => 0 };
        var maxBatch = new Option<int>("--max-batch") { Description = "most completions sampled in one batch", DefaultValueFactory = _ => 64 };

        var cmd = new Command("worker", "Run a rollout worker: lease assignments, sample, score, complete; serve WeightSync");
        foreach (var o in new Option[] { run, id, port, advertise, reward, learner, dataDir, checkpoint, checkpointVersion, maxBatch }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
            string runId, workerId, advertiseHost, dataRoot;
            int grpcPort;
            Uri rewardUrl;
            Uri? learnerUrl;
            try
            {
                runId = pr.GetValue(run) ?? Env("VRM_RUN_ID") ?? throw new ArgumentException("no run: pass --run or set VRM_RUN_ID");
                workerId = pr.GetValue(id) ?? Env("VRM_WORKER_ID") ?? Env("POD_NAME") ?? Environment.MachineName;
                grpcPort = pr.GetValue(port) ?? ClusterEndpoints.EnvPort(n => Env(n), "VRM_WEIGHTSYNC_PORT", WorkerGrpcHost.DefaultPort);
                advertiseHost = pr.GetValue(advertise) ?? Env("VRM_ADVERTISE_HOST") ?? Env("POD_IP") ?? "127.0.0.1";
                rewardUrl = ParseUrl(pr.GetValue(reward) ?? Env("VRM_REWARD_URL") ?? "http://127.0.0.1:7200", "--reward-url / VRM_REWARD_URL");
                learnerUrl = (pr.GetValue(learner) ?? Env("VRM_LEARNER_URL")) is { } l ? ParseUrl(l, "--learner-url / VRM_LEARNER_URL") : null;
                dataRoot = pr.GetValue(dataDir) ?? Env("VRM_DATA_DIR") ?? "/data";
                if (pr.GetValue(maxBatch) <= 0) throw new ArgumentException("--max-batch must be > 0");
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"vrm worker: {e.Message}");
                return 2;
            }

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var log = loggers.CreateLogger("vrm.worker");
            using var client = await OrchestratorClientBuilder.StartAsync(ClusterEndpoints.FromEnvironment(), ct);
            var grains = client.Client();

            // The run's dataset view: the same row order the learner uses, so prompt indices mean the same examples.
            var snapshot = await OrchestratorRetry.Call(() => grains.GetGrain<IRunGrain>(runId).Get(), ct);
            if (snapshot.Spec is null) { await Console.Error.WriteLineAsync($"vrm worker: run '{runId}' does not exist"); return 2; }
            RunDataView view;
            try { view = RunDataView.FromConfigJson(snapshot.Spec.ConfigJson); }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"vrm worker: run '{runId}': {e.Message}"); return 2; }

            string? ckpt = pr.GetValue(checkpoint);
            VrmConfig config;
            VrmTokenizer tokenizer;
            try
            {
                config = ckpt is null ? VrmConfig.Default : Checkpoint.ReadConfig(ckpt);
                tokenizer = ckpt is null ? VrmTokenizer.Default : Checkpoint.LoadTokenizer(ckpt);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"vrm worker: checkpoint '{ckpt}': {e.Message}");
                return 2;
            }
            string dataPath = Path.IsPathRooted(view.DataPath) ? view.DataPath : Path.Combine(dataRoot, view.DataPath);
            using var data = ExampleSet.Load(dataPath, "train", view.Tasks.Count == 0 ? null : view.Tasks, config.Vision, tokenizer, PromptTemplate.Default, view.TrainLimit);
            var model = new VrmModel(config);
            long version = PolicyHolder.NoVersion; // random weights: must pull (or be pushed) a version before leasing
            if (ckpt is not null) { Checkpoint.LoadInto(ckpt, model, config); version = pr.GetValue(checkpointVersion); }
            model.eval();

            await using var worker = await RolloutWorkerHost.StartAsync(grains, workerId, runId, grpcPort, advertiseHost, loopbackOnly: false,
                model, version, data, tokenizer, rewardUrl, learnerUrl, pr.GetValue(maxBatch), log);
            log.LogInformation("worker {Worker}: run {Run}, WeightSync at {Address}, {Examples} examples, v{Version}", workerId, runId, worker.WeightSyncAddress, data.Count, version);
            try { await worker.Completion.WaitAsync(ct); }
            catch (OperationCanceledException) { log.LogInformation("worker {Worker}: SIGTERM: draining", workerId); }
            await worker.DrainAsync();
            await client.StopAsync(CancellationToken.None);
            return 0;
        });
        return cmd;
    }

    private static Uri ParseUrl(string text, string what) =>
        Uri.TryCreate(text, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https") ? u : throw new ArgumentException($"{what}: '{text}' is not an http(s) URL");
}
