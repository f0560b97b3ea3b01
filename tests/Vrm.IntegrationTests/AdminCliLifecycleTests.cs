using System.Text.Json;
using Vrm.IntegrationTests.Fixtures;
using Vrm.Orchestrator.Simulation;

namespace Vrm.IntegrationTests;

/// <summary>
/// The whole lifecycle driven from a separate process — `vrm admin` as a child process — against the real
/// orchestrator: submit (YAML spec) → watch → pause → update learning rate → resume → checkpoint → stop,
/// checking the run's state (via `vrm admin get --json`) at every step.
/// </summary>
[Collection(LiveOrchestratorCollection.Name)]
public sealed class AdminCliLifecycleTests(LiveOrchestrator live)
{
    private async Task<(int Code, string Out, string Err)> Vrm(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "vrm.dll");
        var env = new Dictionary<string, string> { ["VRM_ADMIN_URL"] = live.AdminUrl, ["VRM_ADMIN_TOKEN"] = LiveOrchestrator.Token };
        return await LiveOrchestrator.Exec("dotnet", [dll, "admin", .. args], TimeSpan.FromSeconds(60), env);
    }

    private async Task<JsonElement> Get(string runId)
    {
        var (code, stdout, stderr) = await Vrm("get", runId, "--json");
        Assert.True(code == 0, $"vrm admin get failed ({code}): {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private async Task Until(string runId, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition(await Get(runId)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {runId}: {what} not reached in 60 s");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Submit_watch_pause_update_resume_checkpoint_stop_through_the_cli()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var spec = Path.Combine(Directory.CreateTempSubdirectory("vrm-cli-").FullName, "run.yaml");
        File.WriteAllText(spec, $"""
            name: cli-lifecycle
            total_steps: 100000
            max_staleness: 0
            config:
              data: {"{"} path: /data/shapes, tasks: [count] {"}"}
              note: {Guid.NewGuid()}
            """);
        var (code, stdout, stderr) = await Vrm("submit", spec, "--json");
        Assert.True(code == 0, $"submit failed ({code}): {stderr}");
        var submitted = JsonDocument.Parse(stdout).RootElement;
        var runId = submitted.GetProperty("runId").GetString()!;
        Assert.Equal("PENDING", submitted.GetProperty("status").GetString());
        Assert.Contains("\"count\"", submitted.GetProperty("configJson").GetString());
        // Same file again: same run (idempotency key derived from the content).
        Assert.Equal(runId, JsonDocument.Parse((await Vrm("submit", spec, "--json")).Out).RootElement.GetProperty("runId").GetString());

        var learner = new SimulatedRunLearner(live.Grains, "cli-learner", promptsPerStep: 4, groupSize: 4);
        var learnerTask = learner.RunAsync(TimeSpan.FromMilliseconds(20), cts.Token);
        var workers = Enumerable.Range(0, 2).Select(i => new SimulatedRolloutWorker(live.Grains, runId, $"cli-w{i}",
            new SimulatedWorkerOptions(LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(10), 0.2), HeartbeatInterval: TimeSpan.FromMilliseconds(300)), 10 + i).RunAsync(null, null, cts.Token)).ToArray();
        await Until(runId, r => r.GetProperty("status").GetString() == "RUNNING" && r.GetProperty("step").GetInt64() >= 3, "RUNNING with 3 steps");

        var watch = await Vrm("watch", runId, "--no-follow");
        Assert.True(watch.Code == 0, watch.Err);
        var rows = watch.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("  step", rows[0]);
        Assert.True(rows.Length >= 4, "watch printed fewer than 3 steps:\n" + watch.Out);

        Assert.Equal(0, (await Vrm("pause", runId)).Code);
        await Task.Delay(500);
        var atPause = (await Get(runId)).GetProperty("step").GetInt64();
        await Task.Delay(1000);
        var paused = await Get(runId);
        Assert.Equal("PAUSED", paused.GetProperty("status").GetString());
        Assert.Equal(atPause, paused.GetProperty("step").GetInt64());

        var bad = await Vrm("update", runId, "--learning-rate", "7");
        Assert.Equal(2, bad.Code);
        Assert.Contains("learning_rate", bad.Err);
        Assert.Equal(0, (await Vrm("update", runId, "--learning-rate", "0.0002")).Code);
        Assert.Equal(0.0002, (await Get(runId)).GetProperty("overrides").GetProperty("learningRate").GetDouble());

        Assert.Equal(0, (await Vrm("resume", runId)).Code);
        await Until(runId, r => r.GetProperty("status").GetString() == "RUNNING" && r.GetProperty("step").GetInt64() > atPause + 1
            && r.GetProperty("latestMetrics").TryGetProperty("learning_rate", out var lr) && lr.GetDouble() == 0.0002, "resumed with the new learning rate");

        var cp = await Vrm("checkpoint", runId, "--json");
        Assert.True(cp.Code == 0, cp.Err);
        var requestId = JsonDocument.Parse(cp.Out).RootElement.GetProperty("requestId").GetInt64();
        await Until(runId, r => r.GetProperty("checkpoints").GetInt32() >= 1 && r.GetProperty("pendingCheckpointRequestId").GetInt64() == 0, $"checkpoint request {requestId} fulfilled");

        var stop = await Vrm("stop", runId, "--reason", "cli test done", "--json");
        Assert.True(stop.Code == 0, stop.Err);
        Assert.Equal("STOPPED", JsonDocument.Parse(stop.Out).RootElement.GetProperty("status").GetString());
        await learnerTask.WaitAsync(cts.Token);
        var final = await Get(runId);
        Assert.Equal("STOPPED", final.GetProperty("status").GetString());
        Assert.Equal("cli test done", final.GetProperty("statusReason").GetString());
        Assert.Equal(2, final.GetProperty("checkpoints").GetInt32()); // the requested one and the final one
        Assert.Equal(5, (await Vrm("resume", runId)).Code); // FAILED_PRECONDITION
        Assert.Equal(4, (await Vrm("get", "no-such-run")).Code);
        var unauth = await LiveOrchestrator.Exec("dotnet", [Path.Combine(AppContext.BaseDirectory, "vrm.dll"), "admin", "list", "--url", live.AdminUrl, "--token", "not-the-token-at-all"], TimeSpan.FromSeconds(60));
        Assert.Equal(3, unauth.Code);

        var listed = await Vrm("workers", "--json");
        Assert.Contains("cli-w0", listed.Out);
        await cts.CancelAsync();
        foreach (var t in workers) { try { await t; } catch (OperationCanceledException) { } }
    }
}
