using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vrm.IntegrationTests.Fixtures;
using Vrm.Learner.Grpo;
using Xunit.Abstractions;

namespace Vrm.IntegrationTests;

/// <summary>
/// Issue 6 item 2: a run submitted through the API really runs. A learner started without a run claims it, workers
/// started without a run find it, and `vrm admin` (a separate process) drives it on the real cluster: submit →
/// steps advance → pause → update the learning rate → resume → checkpoint → stop, the run's state checked at each step.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterAdminLifecycleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_submitted_run_is_claimed_trained_paused_tuned_resumed_checkpointed_and_stopped()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = new ClusterProcesses("admin-lifecycle");
        await cluster.StartOrchestrator();
        await cluster.StartReward();
        var learner = await cluster.StartLearner("learner", runId: null, learnerId: "api-learner");
        var workers = new[] { cluster.StartWorker("w0", runId: null), cluster.StartWorker("w1", runId: null) };

        async Task<(int Code, string Out, string Err)> Admin(params string[] args) =>
            await LiveOrchestrator.Exec("dotnet", [Path.Combine(AppContext.BaseDirectory, "vrm.dll"), "admin", .. args], TimeSpan.FromSeconds(90),
                new Dictionary<string, string> { ["VRM_ADMIN_URL"] = cluster.AdminUrl, ["VRM_ADMIN_TOKEN"] = ClusterProcesses.AdminToken });
        async Task<JsonElement> Get(string id)
        {
            var (code, stdout, stderr) = await Admin("get", id, "--json");
            Assert.True(code == 0, $"vrm admin get failed ({code}): {stderr}");
            return JsonDocument.Parse(stdout).RootElement;
        }
        async Task<JsonElement> Until(string id, Func<JsonElement, bool> condition, string what)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (true)
            {
                var r = await Get(id);
                if (condition(r)) return r;
                Assert.False(r.GetProperty("status").GetString() == "FAILED", $"run FAILED while waiting for {what}: {r}\n{cluster.Tails()}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} not reached in {Timeout.TotalSeconds:0} s: {r}\n{cluster.Tails()}");
                await Task.Delay(300);
            }
        }
        static string Status(JsonElement r) => r.GetProperty("status").GetString()!;
        static long Step(JsonElement r) => r.GetProperty("step").GetInt64();

        // --- submit: the spec's config is the learner's run config; no checkpoints except on request ---
        var config = cluster.RunConfig(leaseSeconds: 10) with { CheckpointEvery = 0 };
        var spec = new JsonObject
        {
            ["name"] = "api-lifecycle", ["total_steps"] = 500, ["max_staleness"] = 0,
            ["config"] = JsonNode.Parse(config.ToJson()),
        };
        var specFile = Path.Combine(cluster.Root, "run.json");
        File.WriteAllText(specFile, spec.ToJsonString());
        var submit = await Admin("submit", specFile, "--json");
        Assert.True(submit.Code == 0, $"submit failed ({submit.Code}): {submit.Err}");
        var runId = JsonDocument.Parse(submit.Out).RootElement.GetProperty("runId").GetString()!;
        var runDir = cluster.RunDir(runId);

        // --- the waiting learner claims it, the waiting workers join it, steps advance ---
        var running = await Until(runId, r => Status(r) == "RUNNING" && Step(r) >= 2, "RUNNING with 2 steps");
        await learner.WaitForLine($"attached to run {runId}", TimeSpan.FromSeconds(10));
        foreach (var w in workers) await w.WaitForLine($"joining run {runId}", TimeSpan.FromSeconds(10));
        Assert.Equal("api-learner", (await cluster.Run(runId)).Control?.LearnerId);
        output.WriteLine($"submitted {runId}; RUNNING at step {Step(running)} after {clock.Elapsed.TotalSeconds:F0} s (claimed by api-learner, joined by w0 and w1)");

        // --- pause: the step stops advancing (work in flight may finish, nothing new is reported) ---
        Assert.Equal(0, (await Admin("pause", runId)).Code);
        Assert.Equal("PAUSED", Status(await Get(runId)));
        await Task.Delay(1500);
        long atPause = Step(await Get(runId));
        await Task.Delay(3000);
        var paused = await Get(runId);
        Assert.Equal("PAUSED", Status(paused));
        Assert.Equal(atPause, Step(paused));

        // --- update the learning rate while paused ---
        var bad = await Admin("update", runId, "--learning-rate", "7");
        Assert.Equal(2, bad.Code);
        Assert.Contains("learning_rate", bad.Err);
        Assert.Equal(0, (await Admin("update", runId, "--learning-rate", "0.0002")).Code);
        Assert.Equal(0.0002, (await Get(runId)).GetProperty("overrides").GetProperty("learningRate").GetDouble());

        // --- resume: steps advance again, trained with the new learning rate ---
        Assert.Equal(0, (await Admin("resume", runId)).Code);
        var resumed = await Until(runId, r => Status(r) == "RUNNING" && Step(r) >= atPause + 2
            && r.GetProperty("latestMetrics").TryGetProperty("learning_rate", out var lr) && lr.GetDouble() == 0.0002, "resumed with the new learning rate");
        var applied = await learner.WaitForLine("applied update #1: lr 0.0002", TimeSpan.FromSeconds(10));
        output.WriteLine($"paused at step {atPause} (unchanged 3 s later); lr 0.0002 applied ('{applied.Trim()}'); resumed to step {Step(resumed)}");

        // --- checkpoint on request: a checkpoint folder appears ---
        Assert.Null(GrpoRun.LatestCheckpoint(runDir)); // checkpoint_every 0: none before the request
        var cp = await Admin("checkpoint", runId, "--json");
        Assert.True(cp.Code == 0, cp.Err);
        var requested = await Until(runId, r => r.GetProperty("checkpoints").GetInt32() >= 1 && r.GetProperty("pendingCheckpointRequestId").GetInt64() == 0, "checkpoint request fulfilled");
        var folder = GrpoRun.LatestCheckpoint(runDir);
        Assert.NotNull(folder);
        int requestedStep = TrainerState.Read(folder!).Step;
        Assert.True(File.Exists(Path.Combine(folder!, "model.safetensors")) || Directory.GetFiles(folder!, "*.safetensors").Length > 0, $"no weights in {folder}");

        // --- stop: a final checkpoint, status STOPPED, the learner leaves the run, the workers go back to waiting ---
        await Until(runId, r => Step(r) >= requestedStep + 2, "two more steps after the checkpoint");
        var stop = await Admin("stop", runId, "--reason", "api test done", "--json");
        Assert.True(stop.Code == 0, stop.Err);
        Assert.Equal("STOPPED", JsonDocument.Parse(stop.Out).RootElement.GetProperty("status").GetString());
        var stoppedLine = await learner.WaitForLine($"run {runId} stopped at step", TimeSpan.FromSeconds(60));
        var stopped = await Until(runId, r => r.GetProperty("pendingCheckpointRequestId").GetInt64() == 0 && r.GetProperty("checkpoints").GetInt32() >= 2, "final checkpoint");
        Assert.Equal("STOPPED", Status(stopped));
        Assert.Equal("api test done", stopped.GetProperty("statusReason").GetString());
        int finalStep = TrainerState.Read(GrpoRun.LatestCheckpoint(runDir)!).Step;
        Assert.True(finalStep > requestedStep, $"final checkpoint at step {finalStep}, the requested one at {requestedStep}");
        foreach (var w in workers) await w.WaitForLine($"run {runId} is Stopped: leaving it", TimeSpan.FromSeconds(30));
        Assert.Equal(5, (await Admin("resume", runId)).Code); // FAILED_PRECONDITION: STOPPED is final

        output.WriteLine($"checkpoint on request at step {requestedStep}; stopped ('{stoppedLine.Trim()}'), final checkpoint at step {finalStep}, " +
            $"{stopped.GetProperty("checkpoints").GetInt32()} checkpoints listed; workers left the run; test {clock.Elapsed.TotalSeconds:F0} s");
    }
}
