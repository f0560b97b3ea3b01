using Microsoft.Extensions.Options;
using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Orchestrator.Hosting;
using Vrm.Orchestrator.Rollouts;

namespace Vrm.Orchestrator.Workers;

/// <summary>Heartbeat period and how many may be missed before a worker counts as dead.</summary>
public sealed class WorkerRegistryOptions
{
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);
    public int MissedHeartbeatsBeforeDead { get; set; } = 3;
    public TimeSpan DeadAfter => HeartbeatInterval * MissedHeartbeatsBeforeDead;
}

/// <summary>
/// The rollout workers of the cluster. Heartbeats only touch memory (hundreds per second at scale);
/// registrations, drains and liveness changes are persisted at once, heartbeat times written behind.
/// </summary>
public sealed class WorkerRegistryGrain(
    [PersistentState("workers", OrchestratorHost.StorageName)] IPersistentState<WorkerRegistryState> state,
    IOptions<WorkerRegistryOptions> options) : Grain, IWorkerRegistryGrain
{
    private readonly WorkerRegistryOptions _options = options.Value;
    private bool _dirty;
    private Dictionary<string, WorkerInfo> Workers => state.State.Workers;

    public override Task OnActivateAsync(CancellationToken ct)
    {
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, _options.HeartbeatInterval.Ticks / 2));
        this.RegisterGrainTimer(CheckLiveness, new GrainTimerCreationOptions(period, period) { Interleave = false, KeepAlive = true });
        PublishAlive();
        return Task.CompletedTask;
    }

    public async Task<HeartbeatReply> Register(string workerId, WorkerCapabilities capabilities)
    {
        RequireId(workerId);
        ArgumentNullException.ThrowIfNull(capabilities);
        if (capabilities.Validate() is { } error) throw new ArgumentException($"worker '{workerId}': {error}");
        var now = DateTimeOffset.UtcNow;
        Workers[workerId] = Workers.TryGetValue(workerId, out var known)
            ? known with { Capabilities = capabilities, Liveness = LiveLiveness(workerId), LastHeartbeat = now }
            : new WorkerInfo(workerId, capabilities, LiveLiveness(workerId), 0, now, now, null);
        await Save();
        return Reply(Workers[workerId]);
    }

    public async Task<HeartbeatReply> Heartbeat(string workerId, long policyVersion, WorkerStats stats)
    {
        RequireId(workerId);
        if (!Workers.TryGetValue(workerId, out var known)) return new HeartbeatReply(WorkerDirective.Register, _options.HeartbeatInterval);
        var revived = known.Liveness == WorkerLiveness.Dead;
        var info = known with
        {
            PolicyVersion = policyVersion,
            LastHeartbeat = DateTimeOffset.UtcNow,
            LastStats = stats,
            Liveness = LiveLiveness(workerId),
        };
        Workers[workerId] = info;
        if (revived) await Save(); else _dirty = true;
        return Reply(info);
    }

    public async Task<bool> Drain(string workerId)
    {
        RequireId(workerId);
        if (!Workers.TryGetValue(workerId, out var known)) return false;
        if (!state.State.DrainRequested.Add(workerId)) return true;
        if (known.Liveness == WorkerLiveness.Alive) Workers[workerId] = known with { Liveness = WorkerLiveness.Draining };
        await Save();
        return true;
    }

    public Task<WorkerInfo[]> List() => Task.FromResult(Workers.Values.OrderBy(w => w.WorkerId, StringComparer.Ordinal).ToArray());

    public Task<int> AliveCount() => Task.FromResult(CountAlive());

    private async Task CheckLiveness(CancellationToken ct)
    {
        var cutoff = DateTimeOffset.UtcNow - _options.DeadAfter;
        var changed = false;
        foreach (var w in Workers.Values.ToArray())
        {
            // A draining worker that stops heartbeating has finished draining: it is dead too.
            if (w.Liveness != WorkerLiveness.Dead && w.LastHeartbeat < cutoff)
            {
                Workers[w.WorkerId] = w with { Liveness = WorkerLiveness.Dead };
                changed = true;
            }
        }
        if (changed || _dirty) await Save();
    }

    private HeartbeatReply Reply(WorkerInfo w) => new(
        state.State.DrainRequested.Contains(w.WorkerId) ? WorkerDirective.Drain : WorkerDirective.Continue, _options.HeartbeatInterval);

    /// <summary>Liveness of a worker that just showed a sign of life.</summary>
    private WorkerLiveness LiveLiveness(string workerId) =>
        state.State.DrainRequested.Contains(workerId) ? WorkerLiveness.Draining : WorkerLiveness.Alive;

    private int CountAlive() => Workers.Values.Count(w => w.Liveness == WorkerLiveness.Alive);

    private async Task Save()
    {
        _dirty = false;
        PublishAlive();
        await state.WriteStateAsync();
    }

    private void PublishAlive() => OrchestratorMetrics.WorkersAlive = CountAlive();

    private static void RequireId(string workerId)
    {
        if (string.IsNullOrWhiteSpace(workerId)) throw new ArgumentException("worker id is empty");
    }
}
