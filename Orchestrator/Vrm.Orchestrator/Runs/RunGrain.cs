using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Hosting;
using Vrm.Orchestrator.Telemetry;

namespace Vrm.Orchestrator.Runs;

/// <summary>
/// One run: its spec, status machine, progress, checkpoints, recent metrics, and the control block the
/// learner polls (pending checkpoint request, live overrides). Status changes are pushed to the run's
/// scheduler (paused/finished: nothing new is leased) and to the run directory (listing).
/// </summary>
public sealed class RunGrain(
    [PersistentState("run", OrchestratorHost.StorageName)] IPersistentState<RunState> state) : Grain, IRunGrain
{
    /// <summary>The ring of per-step metric maps keeps the last N steps: enough for a live page, bounded in storage.</summary>
    public const int MetricsRingSize = 256;
    public const int EventsRingSize = 256;

    private string RunId => this.GetPrimaryKeyString();
    private RunState S => state.State;

    public async Task<RunSnapshot> Submit(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Validate() is { } error) throw new ArgumentException($"run '{RunId}': {error}");
        if (S.Spec is not null)
        {
            // Idempotent submit: a retried request carries the same key and gets the existing run back.
            if (S.Spec.IdempotencyKey == spec.IdempotencyKey && !string.IsNullOrEmpty(spec.IdempotencyKey)) return Snapshot();
            if (S.Spec == spec) return Snapshot();
            throw new InvalidOperationException($"run '{RunId}' already exists with a different spec (idempotency key '{S.Spec.IdempotencyKey}')");
        }
        S.Spec = spec;
        S.Status = RunStatus.Pending;
        AddEvent("submitted", $"run '{spec.Name}' submitted ({spec.TotalSteps} steps)");
        return await Save();
    }

    public Task<RunSnapshot> Get() => Task.FromResult(Snapshot());
    public Task<RunSnapshot> Start() => Move(RunStatus.Running, null);
    public Task<RunSnapshot> Pause() => Move(RunStatus.Paused, null);
    public Task<RunSnapshot> Resume() => Move(RunStatus.Running, null);
    public Task<RunSnapshot> Stop(string reason) => Move(RunStatus.Stopped, reason);
    public Task<RunSnapshot> Fail(string reason) => Move(RunStatus.Failed, reason);
    public Task<RunSnapshot> Succeed() => Move(RunStatus.Succeeded, null);

    public async Task<RunSnapshot> StopWithCheckpoint(string reason, bool finalCheckpoint)
    {
        RequireExists();
        var started = S.Status is RunStatus.Running or RunStatus.Paused;
        var snapshot = await Move(RunStatus.Stopped, reason);
        if (finalCheckpoint && started && S.PendingCheckpointRequestId == 0)
        {
            // The learner sees STOPPED with a pending request: it writes the final checkpoint, reports it, exits.
            S.PendingCheckpointRequestId = ++S.LastCheckpointRequestId;
            AddEvent("checkpoint-requested", $"final checkpoint requested (request {S.PendingCheckpointRequestId})");
            snapshot = await Save();
        }
        return snapshot;
    }

    public async Task ReportStep(long step, long policyVersion, IReadOnlyDictionary<string, double> metrics)
    {
        RequireExists();
        if (S.Status is not RunStatus.Running)
            throw new InvalidOperationException($"run '{RunId}': a step can only be reported while RUNNING (status {S.Status.ToString().ToUpperInvariant()})");
        if (step < S.Step) throw new ArgumentException($"run '{RunId}': step {step} is behind the recorded step {S.Step}");
        if (policyVersion < S.PolicyVersion) throw new ArgumentException($"run '{RunId}': policy version {policyVersion} is behind the recorded version {S.PolicyVersion}");
        var values = new Dictionary<string, double>(metrics ?? new Dictionary<string, double>());
        // A re-reported step (learner retry) replaces its entry rather than duplicating it (and is not counted twice).
        var repeated = S.RecentMetrics.RemoveAll(m => m.Step == step) > 0;
        S.Step = step;
        S.PolicyVersion = policyVersion;
        S.RecentMetrics.Add(new StepMetrics(step, DateTimeOffset.UtcNow, values));
        if (S.RecentMetrics.Count > MetricsRingSize) S.RecentMetrics.RemoveRange(0, S.RecentMetrics.Count - MetricsRingSize);
        RunMetricsBoard.Shared.Report(RunId, step, policyVersion, values, repeated);
        await Save();
    }

    public async Task AddCheckpoint(CheckpointInfo checkpoint)
    {
        RequireExists();
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (string.IsNullOrWhiteSpace(checkpoint.Path)) throw new ArgumentException($"run '{RunId}': checkpoint path is empty");
        // A requested checkpoint may land on a folder already recorded (e.g. checkpoint every step, then a stop's
        // final one at the same step): it is not listed twice, but it still fulfils the request.
        var known = S.Checkpoints.Any(c => c.Step == checkpoint.Step && c.Path == checkpoint.Path);
        var fulfils = checkpoint.RequestId != 0 && checkpoint.RequestId == S.PendingCheckpointRequestId;
        if (known && !fulfils) return;
        if (!known) S.Checkpoints.Add(checkpoint);
        if (fulfils) S.PendingCheckpointRequestId = 0;
        AddEvent("checkpoint-saved", $"checkpoint at step {checkpoint.Step} (version {checkpoint.PolicyVersion}) → {checkpoint.Path}" +
            (checkpoint.RequestId != 0 ? $" (request {checkpoint.RequestId})" : ""));
        await Save();
    }

    public Task<RunControl> GetControl()
    {
        RequireExists();
        return Task.FromResult(Control());
    }

    public async Task<RunSnapshot> Update(RunOverrides overrides)
    {
        RequireExists();
        ArgumentNullException.ThrowIfNull(overrides);
        if (overrides.Validate() is { } bad) throw new ArgumentException($"run '{RunId}': {bad.Message}", bad.Field);
        if (overrides.IsEmpty) throw new ArgumentException($"run '{RunId}': update names no field (learning_rate, temperature, kl_beta, max_staleness)", "update");
        if (RunStatusMachine.IsTerminal(S.Status))
            throw new IllegalRunTransitionException(RunId, S.Status, S.Status);
        S.Overrides = S.Overrides.Merge(overrides);
        S.ConfigVersion++;
        // max_staleness reaches the scheduler through the learner (it owns SchedulerSettings: it calls
        // Configure with the new bound when it sees ConfigVersion move), so lease settings stay its own.
        AddEvent("updated", $"config version {S.ConfigVersion}: {Describe(overrides)}");
        return await Save();
    }

    public async Task<long> RequestCheckpoint()
    {
        RequireExists();
        if (S.Status is not (RunStatus.Running or RunStatus.Paused))
            throw new IllegalRunTransitionException(RunId, S.Status, S.Status);
        if (S.PendingCheckpointRequestId != 0) return S.PendingCheckpointRequestId;
        S.PendingCheckpointRequestId = ++S.LastCheckpointRequestId;
        AddEvent("checkpoint-requested", $"checkpoint requested (request {S.PendingCheckpointRequestId})");
        await Save();
        return S.PendingCheckpointRequestId;
    }

    public Task<RunEvent[]> GetEvents(long afterSequence) =>
        Task.FromResult(S.Events.Where(e => e.Sequence > afterSequence).ToArray());

    public Task<StepMetrics[]> GetMetrics(long fromStep) =>
        Task.FromResult(S.RecentMetrics.Where(m => m.Step >= fromStep).ToArray());

    public async Task<RunSnapshot> Claim(string learnerId)
    {
        RequireExists();
        if (string.IsNullOrWhiteSpace(learnerId)) throw new ArgumentException($"run '{RunId}': learner id is empty");
        if (S.LearnerId == learnerId) return Snapshot();
        S.LearnerId = learnerId;
        AddEvent("claimed", $"learner '{learnerId}' attached");
        return await Save();
    }

    private async Task<RunSnapshot> Move(RunStatus to, string? reason)
    {
        RequireExists();
        if (S.Status == to) return Snapshot(); // a retried command is not an error
        RunStatusMachine.EnsureCanMove(RunId, S.Status, to);
        var from = S.Status;
        S.Status = to;
        S.StatusReason = reason;
        AddEvent("status", $"{Upper(from)} → {Upper(to)}" + (reason is null ? "" : $": {reason}"));
        var snapshot = await Save();
        // Paused or finished: the scheduler hands out nothing new (in-flight completions still land).
        await GrainFactory.GetGrain<IRolloutSchedulerGrain>(RunId).SetPaused(to != RunStatus.Running);
        await GrainFactory.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey).StatusChanged(RunId, to);
        RunMetricsBoard.Shared.SetStatus(RunId, to);
        return snapshot;
    }

    private void AddEvent(string kind, string message)
    {
        S.Events.Add(new RunEvent(++S.LastEventSequence, DateTimeOffset.UtcNow, kind, message, S.Status));
        if (S.Events.Count > EventsRingSize) S.Events.RemoveRange(0, S.Events.Count - EventsRingSize);
    }

    private static string Upper(RunStatus s) => s.ToString().ToUpperInvariant();

    private static string Describe(RunOverrides o) => string.Join(", ", new[]
    {
        o.LearningRate is { } lr ? $"learning_rate={lr}" : null,
        o.Temperature is { } t ? $"temperature={t}" : null,
        o.KlBeta is { } b ? $"kl_beta={b}" : null,
        o.MaxStaleness is { } s ? $"max_staleness={s}" : null,
    }.Where(x => x is not null));

    private void RequireExists()
    {
        if (S.Spec is null) throw new InvalidOperationException($"run '{RunId}' does not exist (submit it first)");
    }

    private async Task<RunSnapshot> Save()
    {
        S.UpdatedAt = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
        return Snapshot();
    }

    private RunControl Control() => new(S.Status, S.PendingCheckpointRequestId, S.ConfigVersion, S.Overrides, S.LearnerId);

    private RunSnapshot Snapshot() => new(RunId, S.Spec, S.Status, S.Step, S.PolicyVersion,
        S.Checkpoints.ToArray(), S.RecentMetrics.ToArray(), S.StatusReason, S.UpdatedAt, S.Spec is null ? null : Control());
}
