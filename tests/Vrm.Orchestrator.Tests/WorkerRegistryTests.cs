using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Orchestrator.Tests.Fixtures;

namespace Vrm.Orchestrator.Tests;

/// <summary>The registry is one grain per cluster, so these tests run in their own silo (live counts are global).</summary>
public class WorkerRegistryTests : IAsyncLifetime
{
    private readonly EmbeddedSilo _silo = EmbeddedSilo.WithHeartbeat(TimeSpan.FromMilliseconds(800));
    public Task InitializeAsync() => _silo.InitializeAsync();
    public Task DisposeAsync() => _silo.DisposeAsync();

    private static readonly WorkerCapabilities Caps = new("cpu", "http://127.0.0.1:7100", 16);

    [Fact]
    public async Task Registered_workers_stay_alive_while_heartbeating_and_die_when_silent()
    {
        var registry = _silo.Client.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey);
        Assert.Equal(WorkerDirective.Continue, (await registry.Register("a", Caps)).Directive);
        await registry.Register("b", Caps);
        // Beat once more: on a loaded 2-core box the first calls (activation, storage) can be slow.
        await registry.Heartbeat("a", 0, new WorkerStats(0, 0, null));
        await registry.Heartbeat("b", 0, new WorkerStats(0, 0, null));
        Assert.Equal(2, await registry.AliveCount());

        var deadAfter = _silo.HeartbeatInterval * EmbeddedSilo.MissedHeartbeats;
        var until = DateTime.UtcNow + deadAfter * 3;
        while (DateTime.UtcNow < until)
        {
            await registry.Heartbeat("a", 3, new WorkerStats(1, 10, null)); // only "a" heartbeats
            await Task.Delay(_silo.HeartbeatInterval / 3);
        }
        var workers = (await registry.List()).ToDictionary(w => w.WorkerId);
        Assert.Equal(WorkerLiveness.Alive, workers["a"].Liveness);
        Assert.Equal(3, workers["a"].PolicyVersion);
        Assert.Equal(WorkerLiveness.Dead, workers["b"].Liveness);
        Assert.Equal(1, await registry.AliveCount());

        // A dead worker that heartbeats again is alive again.
        await registry.Heartbeat("b", 3, new WorkerStats(0, 0, null));
        Assert.Equal(2, await registry.AliveCount());
    }

    [Fact]
    public async Task Drain_is_delivered_as_a_heartbeat_directive_and_unknown_workers_are_told_to_register()
    {
        var registry = _silo.Client.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey);
        await registry.Register("d", Caps);
        Assert.True(await registry.Drain("d"));
        Assert.False(await registry.Drain("nobody"));
        Assert.Equal(WorkerDirective.Drain, (await registry.Heartbeat("d", 0, new WorkerStats(0, 0, null))).Directive);
        Assert.Equal(WorkerLiveness.Draining, (await registry.List()).Single(w => w.WorkerId == "d").Liveness);
        // Silent past the timeout it is dead; if it comes back it is still told to drain.
        await Task.Delay(_silo.HeartbeatInterval * (EmbeddedSilo.MissedHeartbeats + 2));
        Assert.Equal(WorkerLiveness.Dead, (await registry.List()).Single(w => w.WorkerId == "d").Liveness);
        Assert.Equal(WorkerDirective.Drain, (await registry.Heartbeat("d", 0, new WorkerStats(0, 0, null))).Directive);
        Assert.Equal(WorkerDirective.Register, (await registry.Heartbeat("ghost", 0, new WorkerStats(0, 0, null))).Directive);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => registry.Register("x", Caps with { MaxBatch = 0 }));
        Assert.Contains("MaxBatch", e.Message);
    }
}
