using System.Net.Http;
using Microsoft.Extensions.Hosting;
using Vrm.Data.ShapesWorld;
using Vrm.Learner.Distributed;
using Vrm.Learner.Grpo;
using Vrm.Learner.Stages;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Policy;
using Vrm.Policy.Config;
using Vrm.Tests.Shared;

namespace Vrm.IntegrationTests.Fixtures;

/// <summary>
/// A real Redis-backed cluster of separate <c>vrm</c> processes on free loopback ports: <c>vrm orchestrator</c>,
/// <c>vrm reward</c>, <c>vrm learner</c> and <c>vrm worker</c>s, each started by the test when it wants it. A
/// fresh cluster/service id per instance keeps tests apart in the shared Redis. Everything is tiny (64 generated
/// ShapesWorld count examples, a ~60 k-parameter policy, B = 2, G = 4, 12 new tokens) so a run takes seconds per
/// step on 2 loaded cores. Each process's output is kept under artifacts/test-results/cluster-&lt;test&gt;-&lt;time&gt;/;
/// Dispose kills every child, whatever happened. Needs VRM_TEST_REDIS: without a reachable Redis it fails, never skips.
/// </summary>
public sealed class ClusterProcesses : IAsyncDisposable
{
    public const string AdminToken = "cluster-processes-admin-token-0123456789";
    private readonly List<VrmProcess> _children = [];
    private IHost? _client;

    public string Redis { get; }
    public string ClusterId { get; } = $"s2-{Guid.NewGuid():N}";
    public string Root { get; }
    public string DataDir => Path.Combine(Root, "data");
    public string InitCheckpoint => Path.Combine(Root, "init");
    public string CheckpointDir => Path.Combine(Root, "checkpoints");
    public string LogDir { get; }
    public int GatewayPort { get; } = LiveOrchestrator.FreePort();
    public int OrchestratorHttpPort { get; } = LiveOrchestrator.FreePort();
    public int AdminPort { get; } = LiveOrchestrator.FreePort();
    public int RewardPort { get; } = LiveOrchestrator.FreePort();
    public int LearnerPort { get; } = LiveOrchestrator.FreePort();
    public string AdminUrl => $"http://127.0.0.1:{AdminPort}";
    public IGrainFactory Grains => _client?.Client() ?? throw new InvalidOperationException("start the orchestrator first");

    /// <summary>The policy every run starts from: small enough that sampling and an update take milliseconds.</summary>
    public static VrmConfig TinyConfig => new()
    {
        Vision = new VisionConfig { ImageSize = 32, PatchSize = 8, Dim = 32, Layers = 1, Heads = 2, MlpRatio = 2 },
        LanguageModel = new LanguageModelConfig { Dim = 32, Layers = 2, Heads = 2, MlpHidden = 64, MaxSeqLen = 160 },
    };

    public ClusterProcesses(string testName)
    {
        Redis = TestRedis.Require();
        Root = Directory.CreateTempSubdirectory($"vrm-cluster-{testName}-").FullName;
        LogDir = Path.Combine(LiveOrchestrator.ArtifactsDir(), $"cluster-{testName}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(LogDir);
        new ShapesWorldGenerator().Write(DataDir, new ShapesWorldRequest(11, [TaskNames.Count],
            new Dictionary<string, int> { ["train"] = 64, ["test"] = 8, ["ood"] = 8 }));
        using var model = PolicyFactory.Create(VrmTokenizer.Default, 5, TinyConfig);
        Checkpoint.Save(InitCheckpoint, model.Config, model, VrmTokenizer.Default);
    }

    /// <summary>B = 2, G = 4, 12 new tokens, a checkpoint every step, no evaluation, short leases.</summary>
    public LearnerRunConfig RunConfig(double leaseSeconds = 3) => new()
    {
        Data = new RunDataConfig { Path = DataDir, Tasks = [TaskNames.Count] },
        InitCheckpoint = InitCheckpoint,
        Grpo = new GrpoOptions { PromptsPerStep = 2, GroupSize = 4, MaxNewTokens = 12, KlBeta = 0, LearningRate = 1e-4 },
        Seed = 3,
        CheckpointEvery = 1,
        EvaluateBeforeAndAfter = false,
        LeaseSeconds = leaseSeconds,
    };

    public string RunDir(string runId) => Path.Combine(CheckpointDir, "runs", runId);

    private Dictionary<string, string> ClusterEnv() => new()
    {
        ["VRM_REDIS"] = Redis,
        ["VRM_CLUSTER_ID"] = ClusterId,
        ["VRM_SERVICE_ID"] = ClusterId,
        // Each role may serve /metrics on VRM_HTTP_PORT: distinct ports on one host.
        ["VRM_HTTP_PORT"] = LiveOrchestrator.FreePort().ToString(),
    };

    private VrmProcess Start(string name, string[] args, Dictionary<string, string> env)
    {
        var p = new VrmProcess(name, args, env, Path.Combine(LogDir, name + ".log"));
        lock (_children) _children.Add(p);
        return p;
    }

    /// <summary>The silo (Redis clustering and storage) with the AdminService; returns once /healthz answers and the test's client is connected.</summary>
    public async Task<VrmProcess> StartOrchestrator()
    {
        var env = ClusterEnv();
        env["VRM_SILO_PORT"] = LiveOrchestrator.FreePort().ToString();
        env["VRM_GATEWAY_PORT"] = GatewayPort.ToString();
        env["VRM_HTTP_PORT"] = OrchestratorHttpPort.ToString();
        env["VRM_ADMIN_PORT"] = AdminPort.ToString();
        env["VRM_ADMIN_TOKEN"] = AdminToken;
        env["VRM_ADVERTISE_HOST"] = "127.0.0.1";
        var p = Start("orchestrator", ["orchestrator"], env);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            if (p.HasExited) throw new InvalidOperationException($"vrm orchestrator exited with {p.ExitCode}:\n{p.Tail()}");
            try { if ((await http.GetAsync($"http://127.0.0.1:{OrchestratorHttpPort}/healthz")).IsSuccessStatusCode) break; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"vrm orchestrator not healthy in 90 s:\n{p.Tail()}");
            await Task.Delay(250);
        }
        _client = await OrchestratorClientBuilder.StartAsync(new ClusterEndpoints(ClusterId, ClusterId, Redis, 0));
        return p;
    }

    public async Task<VrmProcess> StartReward()
    {
        var p = Start("reward", ["reward", "--port", RewardPort.ToString(), "--loopback"], ClusterEnv());
        await p.WaitForLine("vrm reward: serving", TimeSpan.FromSeconds(90));
        return p;
    }

    /// <summary>A learner; with <paramref name="runId"/> it trains that run, without it claims the oldest PENDING one.</summary>
    public async Task<VrmProcess> StartLearner(string name, string? runId, string learnerId = "learner")
    {
        string[] args = ["learner", "--checkpoint-dir", CheckpointDir, "--port", LearnerPort.ToString(), "--learner-id", learnerId];
        if (runId is not null) args = [.. args, "--run", runId];
        var p = Start(name, args, ClusterEnv());
        await p.WaitForLine("weights served on", TimeSpan.FromSeconds(90));
        return p;
    }

    /// <summary>A worker for <paramref name="runId"/>, or (null) for whatever RUNNING run the orchestrator lists.</summary>
    public VrmProcess StartWorker(string name, string? runId)
    {
        string[] args = ["worker", "--worker-id", name, "--port", "0", "--advertise-host", "127.0.0.1",
            "--reward-url", $"http://127.0.0.1:{RewardPort}", "--learner-url", $"http://127.0.0.1:{LearnerPort}", "--data-dir", Root];
        if (runId is not null) args = [.. args, "--run", runId];
        return Start(name, args, ClusterEnv());
    }

    public async Task<string> SubmitRun(string name, int totalSteps, LearnerRunConfig config)
    {
        var directory = Grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
        var run = await directory.Submit(new RunSpec(name, config.ToJson(), totalSteps, config.Grpo.MaxStaleness, $"{name}-{Guid.NewGuid():N}"), null);
        return run.RunId;
    }

    public Task<RunSnapshot> Run(string runId) => Grains.GetGrain<IRunGrain>(runId).Get();

    /// <summary>Polls the run grain until <paramref name="condition"/>; on timeout the message carries every process's last lines.</summary>
    public async Task<RunSnapshot> WaitForRun(string runId, Func<RunSnapshot, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = await OrchestratorRetry.Call(() => Run(runId), CancellationToken.None);
            if (condition(s)) return s;
            if (s.Status is RunStatus.Failed) throw new InvalidOperationException($"run {runId} FAILED ({s.StatusReason}) while waiting for {what}.\n{Tails()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"run {runId}: {what} not reached in {timeout.TotalSeconds:0} s (status {s.Status}, step {s.Step}).\n{Tails()}");
            await Task.Delay(200);
        }
    }

    public string Tails()
    {
        lock (_children) return string.Join("\n", _children.Select(c => $"--- {c.Name} (pid {c.Pid}{(c.HasExited ? ", exited" : "")}) {c.LogPath}\n{c.Tail(15)}"));
    }

    public async ValueTask DisposeAsync()
    {
        List<VrmProcess> children;
        lock (_children) children = [.. _children];
        children.Reverse();
        foreach (var c in children) c.Dispose();
        if (_client is not null)
        {
            try { await _client.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token); }
            catch (Exception e) when (e is OperationCanceledException or OrleansException) { }
            _client.Dispose();
        }
        // Keep what the learner recorded beside the process logs; the data and checkpoints are scratch.
        var runs = Path.Combine(CheckpointDir, "runs");
        if (Directory.Exists(runs))
            foreach (var run in Directory.GetDirectories(runs))
                foreach (var file in new[] { "metrics.jsonl", ConsumedRolloutsLog.FileName })
                    if (File.Exists(Path.Combine(run, file))) File.Copy(Path.Combine(run, file), Path.Combine(LogDir, $"{Path.GetFileName(run)}-{file}"), overwrite: true);
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
