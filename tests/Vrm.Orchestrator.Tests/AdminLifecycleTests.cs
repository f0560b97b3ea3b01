using Grpc.Core;
using Vrm.Orchestrator.Simulation;
using Vrm.Orchestrator.Tests.Fixtures;
using Vrm.Protos.Admin;

namespace Vrm.Orchestrator.Tests;

/// <summary>
/// A submitted run really runs: a simulated learner waiting for work claims it, simulated workers lease
/// from its scheduler, and pause / update / resume / checkpoint / stop through the AdminService are
/// obeyed (all through the real grains and real gRPC).
/// </summary>
[Collection(AdminServerCollection.Name)]
public sealed class AdminLifecycleTests(AdminServerFixture server)
{
    [Fact]
    public async Task Submit_run_pause_update_resume_checkpoint_stop()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var c = server.Client();
        var run = await c.SubmitRunAsync(new SubmitRunRequest { Spec = AdminAuthAndValidationTests.Spec("lifecycle", steps: 100000), IdempotencyKey = "life-" + Guid.NewGuid() });
        Assert.Equal(RunStatus.Pending, run.Status);

        // Other tests of this collection leave PENDING runs behind; the learner claims the oldest, so clear them.
        foreach (var other in (await c.ListRunsAsync(new ListRunsRequest { Statuses = { RunStatus.Pending }, PageSize = 500 })).Runs.Where(r => r.RunId != run.RunId))
            await c.StopRunAsync(new StopRunRequest { RunId = other.RunId, Reason = "cleared by lifecycle test" });
        var learner = new SimulatedRunLearner(server.Grains, "learner-life", promptsPerStep: 4, groupSize: 4);
        var learnerTask = learner.RunAsync(TimeSpan.FromMilliseconds(20), cts.Token);
        await Until(async () => learner.RunId is not null && (await c.GetRunAsync(new RunRef { RunId = run.RunId })).Status == RunStatus.Running, cts.Token);
        Assert.Equal(run.RunId, learner.RunId);
        var workers = Enumerable.Range(0, 2).Select(i => new SimulatedRolloutWorker(server.Grains, run.RunId, $"life-w{i}",
            new SimulatedWorkerOptions(LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(5), 0.1), HeartbeatInterval: TimeSpan.FromMilliseconds(300)), i)).ToArray();
        var workerTasks = workers.Select(w => w.RunAsync(null, null, cts.Token)).ToArray();

        // Metrics flow (StreamMetrics from step 0).
        using (var stream = c.StreamMetrics(new StreamMetricsRequest { RunId = run.RunId, FromStep = 0, Follow = true }, cancellationToken: cts.Token))
        {
            var got = 0;
            await foreach (var p in stream.ResponseStream.ReadAllAsync(cts.Token))
            {
                Assert.Equal(got, p.Step);
                Assert.InRange(p.Values["accuracy"], 0, 1);
                if (++got == 3) break;
            }
        }

        // Pause: no new steps are reported.
        var paused = await c.PauseRunAsync(new RunRef { RunId = run.RunId });
        Assert.Equal(RunStatus.Paused, paused.Status);
        await Task.Delay(300, cts.Token); // let an in-flight step settle
        var stepAtPause = (await c.GetRunAsync(new RunRef { RunId = run.RunId })).Step;
        await Task.Delay(700, cts.Token);
        Assert.Equal(stepAtPause, (await c.GetRunAsync(new RunRef { RunId = run.RunId })).Step);

        // Update the learning rate while paused; resume; the learner applies it.
        var updated = await c.UpdateRunAsync(new UpdateRunRequest { RunId = run.RunId, Overrides = new RunOverrides { LearningRate = 3e-5 } });
        Assert.Equal(3e-5, updated.Overrides.LearningRate);
        Assert.Equal(1, updated.ConfigVersion);
        Assert.Equal(RunStatus.Running, (await c.ResumeRunAsync(new RunRef { RunId = run.RunId })).Status);
        await Until(async () => (await c.GetRunAsync(new RunRef { RunId = run.RunId })) is { } r && r.Step > stepAtPause + 1
            && r.LatestMetrics.TryGetValue("learning_rate", out var lr) && lr == 3e-5, cts.Token);

        // Checkpoint on request.
        var request = await c.SaveCheckpointAsync(new RunRef { RunId = run.RunId });
        Assert.True(request.RequestId > 0);
        await Until(async () => (await c.ListCheckpointsAsync(new RunRef { RunId = run.RunId })).Checkpoints.Any(k => k.RequestId == request.RequestId), cts.Token);

        // Stop with a final checkpoint; the learner writes it and exits.
        var stopped = await c.StopRunAsync(new StopRunRequest { RunId = run.RunId, Reason = "lifecycle test done" });
        Assert.Equal(RunStatus.Stopped, stopped.Status);
        Assert.True(stopped.PendingCheckpointRequestId > request.RequestId);
        await learnerTask.WaitAsync(cts.Token);
        var final = await c.GetRunAsync(new RunRef { RunId = run.RunId });
        Assert.Equal(0, final.PendingCheckpointRequestId);
        Assert.Equal("lifecycle test done", final.StatusReason);
        var checkpoints = await c.ListCheckpointsAsync(new RunRef { RunId = run.RunId });
        Assert.Contains(checkpoints.Checkpoints, k => k.RequestId == stopped.PendingCheckpointRequestId);

        // Terminal: further transitions are FAILED_PRECONDITION; events tell the story.
        var again = await Assert.ThrowsAsync<RpcException>(async () => await c.ResumeRunAsync(new RunRef { RunId = run.RunId }));
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        using var events = c.StreamEvents(new StreamEventsRequest { RunId = run.RunId, Follow = false });
        var kinds = new List<string>();
        await foreach (var e in events.ResponseStream.ReadAllAsync(cts.Token)) kinds.Add(e.Kind);
        Assert.Equal(["submitted", "claimed", "status", "status", "updated", "status", "checkpoint-requested", "checkpoint-saved", "status", "checkpoint-requested", "checkpoint-saved"], kinds);

        // Workers are listed; draining one is reflected.
        var listed = await c.ListWorkersAsync(new ListWorkersRequest());
        Assert.Contains(listed.Workers, w => w.WorkerId == "life-w0");
        Assert.Equal("DRAINING", (await c.DrainWorkerAsync(new DrainWorkerRequest { WorkerId = "life-w0" })).Liveness);
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await c.DrainWorkerAsync(new DrainWorkerRequest { WorkerId = "nobody" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        await cts.CancelAsync();
        foreach (var t in workerTasks) { try { await t; } catch (OperationCanceledException) { } }
    }

    private static async Task Until(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition()) await Task.Delay(50, ct);
    }
}
