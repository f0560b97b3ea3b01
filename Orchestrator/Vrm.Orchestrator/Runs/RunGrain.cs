using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Runs;

/// <summary>One run: its spec, status machine, progress, checkpoints and recent metrics.</summary>
public sealed class RunGrain(
    [PersistentState("run", OrchestratorHost.StorageName)] IPersistentState<RunState> state) : Grain, IRunGrain
{
    /// <summary>The ring of per-step metric maps keeps the last N steps: enough for a live page, bounded in storage.</summary>
    public const int MetricsRingSize = 256;

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
        return await Save();
    }

    public Task<RunSnapshot> Get() => Task.FromResult(Snapshot());
    public Task<RunSnapshot> Start() => Move(RunStatus.Running, null);
    public Task<RunSnapshot> Pause() => Move(RunStatus.Paused, null);
    public Task<RunSnapshot> Resume() => Move(RunStatus.Running, null);
    public Task<RunSnapshot> Stop(string reason) => Move(RunStatus.Stopped, reason);
    public Task<RunSnapshot> Fail(string reason) => Move(RunStatus.Failed, reason);
    public Task<RunSnapshot> Succeed() => Move(RunStatus.Succeeded, null);

    public async Task ReportStep(long step, long policyVersion, IReadOnlyDictionary<string, double> metrics)
    {
        RequireExists();
        if (S.Status is not RunStatus.Running)
            throw new InvalidOperationException($"run '{RunId}': a step can only be reported while RUNNING (status {S.Status.ToString().ToUpperInvariant()})");
        if (step < S.Step) throw new ArgumentException($"run '{RunId}': step {step} is behind the recorded step {S.Step}");
        if (policyVersion < S.PolicyVersion) throw new ArgumentException($"run '{RunId}': policy version {policyVersion} is behind the recorded version {S.PolicyVersion}");
        S.Step = step;
        S.PolicyVersion = policyVersion;
        // A re-reported step (learner retry) replaces its entry rather than duplicating it.
        S.RecentMetrics.RemoveAll(m => m.Step == step);
        S.RecentMetrics.Add(new StepMetrics(step, DateTimeOffset.UtcNow, new Dictionary<string, double>(metrics ?? new Dictionary<string, double>())));
        if (S.RecentMetrics.Count > MetricsRingSize) S.RecentMetrics.RemoveRange(0, S.RecentMetrics.Count - MetricsRingSize);
        await Save();
    }

    public async Task AddCheckpoint(CheckpointInfo checkpoint)
    {
        RequireExists();
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (string.IsNullOrWhiteSpace(checkpoint.Path)) throw new ArgumentException($"run '{RunId}': checkpoint path is empty");
        if (S.Checkpoints.Any(c => c.Step == checkpoint.Step && c.Path == checkpoint.Path)) return;
        S.Checkpoints.Add(checkpoint);
        await Save();
    }

    private async Task<RunSnapshot> Move(RunStatus to, string? reason)
    {
        RequireExists();
        if (S.Status == to) return Snapshot(); // a retried command is not an error
        RunStatusMachine.EnsureCanMove(RunId, S.Status, to);
        S.Status = to;
        S.StatusReason = reason;
        return await Save();
    }

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

    private RunSnapshot Snapshot() => new(RunId, S.Spec, S.Status, S.Step, S.PolicyVersion,
        S.Checkpoints.ToArray(), S.RecentMetrics.ToArray(), S.StatusReason, S.UpdatedAt);
}
