using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Runs;
using Vrm.Orchestrator.Tests.Fixtures;

namespace Vrm.Orchestrator.Tests;

[Collection(EmbeddedSiloCollection.Name)]
public class RunGrainTests(EmbeddedSilo silo)
{
    private static RunSpec Spec(string key = "k1") => new("probe", "{\"lr\":1e-5}", 10, 0, key);
    private IRunGrain NewRun() => silo.Client.GetGrain<IRunGrain>($"run-{Guid.NewGuid():N}");

    [Fact]
    public async Task Run_moves_through_its_lifecycle()
    {
        var run = NewRun();
        Assert.False((await run.Get()).Exists);
        Assert.Equal(RunStatus.Pending, (await run.Submit(Spec())).Status);
        Assert.Equal(RunStatus.Running, (await run.Start()).Status);
        Assert.Equal(RunStatus.Paused, (await run.Pause()).Status);
        Assert.Equal(RunStatus.Running, (await run.Resume()).Status);
        await run.ReportStep(1, 1, new Dictionary<string, double> { ["reward_mean"] = 0.25 });
        await run.AddCheckpoint(new CheckpointInfo(1, 1, "/checkpoints/step-1", DateTimeOffset.UtcNow));
        var done = await run.Succeed();
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal(1, done.Step);
        Assert.Equal(1, done.PolicyVersion);
        Assert.Equal(0.25, Assert.Single(done.RecentMetrics).Values["reward_mean"]);
        Assert.Equal("/checkpoints/step-1", Assert.Single(done.Checkpoints).Path);
    }

    [Fact]
    public async Task Illegal_transition_fails_with_a_clear_error_across_the_wire()
    {
        var run = NewRun();
        await run.Submit(Spec());
        await run.Stop("operator");
        var e = await Assert.ThrowsAsync<IllegalRunTransitionException>(() => run.Resume());
        Assert.Contains("STOPPED", e.Message);
        Assert.Contains("RUNNING", e.Message);
        Assert.Equal(RunStatus.Stopped, (await run.Get()).Status);
        Assert.Equal("operator", (await run.Get()).StatusReason);
    }

    [Fact]
    public async Task Submit_is_idempotent_by_key_and_refuses_a_different_spec()
    {
        var run = NewRun();
        await run.Submit(Spec("same"));
        await run.Start();
        Assert.Equal(RunStatus.Running, (await run.Submit(Spec("same"))).Status); // retry: unchanged
        await Assert.ThrowsAsync<InvalidOperationException>(() => run.Submit(Spec("other") with { TotalSteps = 99 }));
        await Assert.ThrowsAsync<ArgumentException>(() => NewRun().Submit(Spec() with { TotalSteps = 0 }));
    }

    [Fact]
    public async Task Recent_metrics_are_a_bounded_ring()
    {
        var run = NewRun();
        await run.Submit(Spec());
        await run.Start();
        var total = RunGrain.MetricsRingSize + 10;
        for (var s = 1; s <= total; s++) await run.ReportStep(s, s, new Dictionary<string, double> { ["kl"] = s });
        var snap = await run.Get();
        Assert.Equal(RunGrain.MetricsRingSize, snap.RecentMetrics.Count);
        Assert.Equal(11, snap.RecentMetrics[0].Step);
        Assert.Equal(total, snap.RecentMetrics[^1].Step);
        await Assert.ThrowsAsync<ArgumentException>(() => run.ReportStep(3, total, new Dictionary<string, double>()));
    }
}
