using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vrm.Cli.Hosting;
using Orleans;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Policy;
using Vrm.Policy.Config;
using Vrm.RolloutWorker;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm worker</c>: one rollout worker (container entrypoint of the worker role). Joins the cluster as an Orleans
/// client, serves WeightSync + gRPC health on an HTTP/2 cleartext port, and loops lease → sample → score → complete
/// for one run — the given one, or with no run given each RUNNING run in turn (waiting while there is none).
/// SIGTERM (Ctrl+C) drains: the current assignment is finished and completed, then it exits.
/// Flags, else environment (VRM_RUN_ID, VRM_WORKER_ID / POD_NAME, VRM_WEIGHTSYNC_PORT, VRM_ADVERTISE_HOST / POD_IP,
/// VRM_REWARD_URL, VRM_LEARNER_URL, VRM_DATA_DIR, VRM_REDIS …), else defaults.
/// </summary>
public static class WorkerCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run") { Description = "run id to work for (env VRM_RUN_ID); neither: work for the RUNNING runs the orchestrator lists, one after another" };
        var id = new Option<string?>("--worker-id") { Description = "worker id (env VRM_WORKER_ID, else POD_NAME, else host name)" };
        var port = new Option<int?>("--port") { Description = $"WeightSync gRPC port (env VRM_WEIGHTSYNC_PORT, default {WorkerGrpcHost.DefaultPort}; 0 = any free port)" };
        var advertise = new Option<string?>("--advertise-host") { Description = "host/IP the learner pushes weights to (env VRM_ADVERTISE_HOST, else POD_IP, else 127.0.0.1)" };
        var reward = new Option<string?>("--reward-url") { Description = "RewardService address (env VRM_REWARD_URL, default http://127.0.0.1:7200)" };
        var learner = new Option<string?>("--learner-url") { Description = "learner WeightSource address for pulls, e.g. http://learner:7300 (env VRM_LEARNER_URL; none = wait for pushes)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "base of relative dataset paths in the run config (env VRM_DATA_DIR, default /data)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "initial policy checkpoint folder (its weights are version --checkpoint-version); without it the worker pulls its first weights" };
        var checkpointVersion = new Option<long>("--checkpoint-version") { Description = "policy version of --checkpoint's weights", DefaultValueFactory = _ => 0 };
        var maxBatch = new Option<int>("--max-batch") { Description = "most completions sampled in one batch", DefaultValueFactory = _ => 64 };
        var httpPort = RoleHttpEndpoint.CreateOption();

        var cmd = new Command("worker", "Run a rollout worker: lease assignments, sample, score, complete; serve WeightSync");
        foreach (var o in new Option[] { run, id, port, advertise, reward, learner, dataDir, checkpoint, checkpointVersion, maxBatch, httpPort }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
            string? fixedRun;
            string workerId, advertiseHost, dataRoot;
            int grpcPort, metricsPort;
            Uri rewardUrl;
            Uri? learnerUrl;
            try
            {
                fixedRun = pr.GetValue(run) ?? Env("VRM_RUN_ID");
                workerId = pr.GetValue(id) ?? Env("VRM_WORKER_ID") ?? Env("POD_NAME") ?? Environment.MachineName;
                metricsPort = RoleHttpEndpoint.ResolvePort(pr.GetValue(httpPort));
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
            await using var http = await RoleHttpEndpoint.StartAsync("worker", metricsPort, [WorkerMetrics.MeterName], cancellationToken: ct);
            using var client = await OrchestratorClientBuilder.StartAsync(ClusterEndpoints.FromEnvironment(), ct);
            var grains = client.Client();
            var session = new WorkerSession(grains, workerId, grpcPort, advertiseHost, rewardUrl, learnerUrl, dataRoot,
                pr.GetValue(checkpoint), pr.GetValue(checkpointVersion), pr.GetValue(maxBatch), log);

            int code;
            if (fixedRun is not null) code = await session.WorkFor(fixedRun, untilRunEnds: false, ct);
            else code = await Discover(grains, session, workerId, log, ct);
            await client.StopAsync(CancellationToken.None);
            return code;
        });
        return cmd;
    }

    /// <summary>
    /// No run given: work for the oldest RUNNING run the directory lists, until it ends, then the next one; while
    /// there is none, wait. A run this worker cannot serve (bad dataset config) is skipped, not retried in a loop.
    /// </summary>
    private static async Task<int> Discover(IGrainFactory grains, WorkerSession session, string workerId, ILogger log, CancellationToken ct)
    {
        var directory = grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
        var unusable = new HashSet<string>(StringComparer.Ordinal);
        bool announcedWait = false;
        while (!ct.IsCancellationRequested)
        {
            string[] active;
            try { active = await OrchestratorRetry.Call(() => directory.ActiveRuns(), ct); }
            catch (OperationCanceledException) { break; }
            var runId = active.FirstOrDefault(r => !unusable.Contains(r));
            if (runId is null)
            {
                if (!announcedWait) log.LogInformation("worker {Worker}: no RUNNING run; waiting for one", workerId);
                announcedWait = true;
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { break; }
                continue;
            }
            announcedWait = false;
            log.LogInformation("worker {Worker}: joining run {Run}", workerId, runId);
            if (await session.WorkFor(runId, untilRunEnds: true, ct) != 0) unusable.Add(runId);
        }
        return 0;
    }

    /// <summary>Everything a worker needs to serve one run after another: the settings, and the work for one run.</summary>
    private sealed class WorkerSession(IGrainFactory grains, string workerId, int grpcPort, string advertiseHost, Uri rewardUrl, Uri? learnerUrl,
        string dataRoot, string? checkpoint, long checkpointVersion, int maxBatch, ILogger log)
    {
        /// <summary>
        /// Serve <paramref name="runId"/>: its dataset view, a model shaped like its init checkpoint, the WeightSync
        /// endpoint and the work loop. Returns when SIGTERM drained it, or (<paramref name="untilRunEnds"/>) when the
        /// run reached SUCCEEDED, FAILED or STOPPED. 2 = the run cannot be served (message on stderr).
        /// </summary>
        public async Task<int> WorkFor(string runId, bool untilRunEnds, CancellationToken ct)
        {
            var runGrain = grains.GetGrain<IRunGrain>(runId);
            var snapshot = await OrchestratorRetry.Call(() => runGrain.Get(), ct);
            if (snapshot.Spec is null) { await Console.Error.WriteLineAsync($"vrm worker: run '{runId}' does not exist"); return 2; }
            RunDataView view;
            try { view = RunDataView.FromConfigJson(snapshot.Spec.ConfigJson); }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"vrm worker: run '{runId}': {e.Message}"); return 2; }

            // Shape the model like the run's: --checkpoint, else the run's init checkpoint when this node can read it
            // (shared volume), else the default config (weights pulled). Its weights are version 0 / --checkpoint-version.
            string? ckpt = checkpoint;
            long initialVersion = checkpointVersion;
            if (ckpt is null && InitCheckpointOf(snapshot.Spec.ConfigJson) is { } init)
            {
                var path = Path.IsPathRooted(init) ? init : Path.Combine(dataRoot, init);
                if (File.Exists(Path.Combine(path, Checkpoint.ConfigFile))) { ckpt = path; initialVersion = 0; }
                else log.LogWarning("worker {Worker}: run {Run}'s init checkpoint {Path} is not readable here: default model shape, weights pulled", workerId, runId, path);
            }
            VrmConfig config;
            VrmTokenizer tokenizer;
            try
            {
                config = ckpt is null ? VrmConfig.Default : Checkpoint.ReadConfig(ckpt);
                tokenizer = ckpt is null ? VrmTokenizer.Default : Checkpoint.LoadTokenizer(ckpt);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"vrm worker: checkpoint '{ckpt}': {e.Message}");
                return 2;
            }
            string dataPath = Path.IsPathRooted(view.DataPath) ? view.DataPath : Path.Combine(dataRoot, view.DataPath);
            ExampleSet data;
            try { data = ExampleSet.Load(dataPath, "train", view.Tasks.Count == 0 ? null : view.Tasks, config.Vision, tokenizer, PromptTemplate.Default, view.TrainLimit); }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"vrm worker: run '{runId}': dataset '{dataPath}': {e.Message}");
                return 2;
            }
            using var _ = data;
            using var model = new VrmModel(config);
            long version = PolicyHolder.NoVersion; // random weights: must pull (or be pushed) a version before leasing
            if (ckpt is not null) { Checkpoint.LoadInto(ckpt, model, config); version = initialVersion; }
            model.eval();

            await using var worker = await RolloutWorkerHost.StartAsync(grains, workerId, runId, grpcPort, advertiseHost, loopbackOnly: false,
                model, version, data, tokenizer, rewardUrl, learnerUrl, maxBatch, log);
            log.LogInformation("worker {Worker}: run {Run}, WeightSync at {Address}, {Examples} examples, v{Version}", workerId, runId, worker.WeightSyncAddress, data.Count, version);
            try
            {
                if (!untilRunEnds) await worker.Completion.WaitAsync(ct);
                else
                {
                    while (!worker.Completion.IsCompleted)
                    {
                        await Task.WhenAny(worker.Completion, Task.Delay(TimeSpan.FromSeconds(1), ct));
                        ct.ThrowIfCancellationRequested();
                        var status = (await OrchestratorRetry.Call(() => runGrain.Get(), ct)).Status;
                        if (status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Stopped)
                        {
                            log.LogInformation("worker {Worker}: run {Run} is {Status}: leaving it", workerId, runId, status);
                            break;
                        }
                    }
                }
            }
            catch (OperationCanceledException) { log.LogInformation("worker {Worker}: SIGTERM: draining", workerId); }
            await worker.DrainAsync();
            return 0;
        }

        private static string? InitCheckpointOf(string configJson)
        {
            try
            {
                using var doc = JsonDocument.Parse(configJson);
                return doc.RootElement.TryGetProperty("init_checkpoint", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s ? s : null;
            }
            catch (JsonException) { return null; }
        }
    }

    private static Uri ParseUrl(string text, string what) =>
        Uri.TryCreate(text, UriKind.Absolute, out var u) && (u.Scheme == "http" || u.Scheme == "https") ? u : throw new ArgumentException($"{what}: '{text}' is not an http(s) URL");
}
