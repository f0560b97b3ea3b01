using System.Diagnostics;
using Orleans;
using Vrm.Learner.Grpo;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Policy;
using static Vrm.Learner.Distributed.BlockingGrainCall;

namespace Vrm.Learner.Distributed;

/// <summary>How the learner ships a new policy version to the rollout workers (push + make it pullable).</summary>
public interface IPolicyPublisher
{
    /// <summary>
    /// Makes <paramref name="snapshot"/> the current version: serves it to pulls and, when <paramref name="push"/>,
    /// pushes it to every worker. Returns the push's wall seconds.
    /// </summary>
    double Publish(string runId, WeightSnapshot snapshot, bool push = true);
}

/// <summary>
/// The learner role attached to one run of the cluster: the same GRPO loop as <c>vrm grpo</c>, with rollouts
/// from the scheduler grain, weights published to the workers after every update, metrics and checkpoints
/// reported to the run grain, and the run's control (pause, stop, live updates, checkpoint requests)
/// obeyed between steps. Restarted, it resumes from the newest checkpoint in its run folder and re-attaches.
/// </summary>
public sealed class LearnerNode(IGrainFactory grains, IPolicyPublisher publisher, Action<string> log)
{
    public TimeSpan ControlPoll { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);
    public int PromptsPerAssignment { get; init; } = 1;
    /// <summary>Base of relative dataset and checkpoint paths in a run config (the worker resolves them against the same
    /// VRM_DATA_DIR, so both read the same files); null = relative to the current folder.</summary>
    public string? DataRoot { get; init; }
    /// <summary>
    /// This learner incarnation, stamped on every snapshot it publishes. A learner restarted from a checkpoint
    /// re-issues version numbers its killed predecessor may already have pushed; the later start time makes
    /// workers take the new weights instead of keeping the lost ones.
    /// </summary>
    public long Epoch { get; init; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Runs <paramref name="runId"/> to its end (SUCCEEDED, or STOPPED by an operator). Returns the last result.</summary>
    public GrpoRunResult? Run(string runId, string runDir, Action<GrpoStepMetrics>? onStep = null, CancellationToken ct = default)
    {
        var runGrain = grains.GetGrain<IRunGrain>(runId);
        var scheduler = grains.GetGrain<IRolloutSchedulerGrain>(runId);
        var snapshot = Call(() => runGrain.Get(), ct);
        var spec = snapshot.Spec ?? throw new ArgumentException($"run '{runId}' does not exist");
        if (snapshot.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Stopped)
        {
            log($"learner: run {runId} is already {snapshot.Status}");
            return null;
        }
        if (snapshot.Status == RunStatus.Pending) snapshot = Call(() => runGrain.Start(), ct);
        var config = LearnerRunConfig.FromJson(spec.ConfigJson);
        var control = Call(() => runGrain.GetControl(), ct);
        config = Apply(config, control.Overrides);
        var lease = config.LeaseSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : LeaseDuration;
        Call(() => scheduler.Configure(new SchedulerSettings(config.Grpo.MaxStaleness, lease, TimeSpan.FromMilliseconds(20))), ct);

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
        double lastSyncSeconds = 0;
        var options = config.ToRunOptions(runDir, spec.TotalSteps, DataRoot);
        using var run = new GrpoRun(options, log, (policy, train, tokenizer) => new OrleansRolloutSource(grains, runId,
            (version, model) => lastSyncSeconds = PublishVersion(runId, model, version), PromptsPerAssignment, ct: stopping.Token,
            consumedLogPath: Path.Combine(runDir, ConsumedRolloutsLog.FileName)));
        // A checkpoint written on an operator's request carries the request id, so the run grain clears the request.
        long requestOfNextSave = 0;
        run.CheckpointSaved += (dir, step, version) =>
            Call(() => runGrain.AddCheckpoint(new CheckpointInfo(step, version, Path.GetFullPath(dir), DateTimeOffset.UtcNow, requestOfNextSave)), CancellationToken.None);
        void CheckpointOnRequest(long requestId)
        {
            requestOfNextSave = requestId;
            try { run.SaveCheckpoint(); }
            finally { requestOfNextSave = 0; }
            log($"learner: checkpoint on request #{requestId} at step {run.Trainer.Step}");
        }

        // The starting version must be pullable before the first assignment: workers start from the init
        // checkpoint (version 0) or pull it; after a resume they are behind and pull the resumed version.
        bool resuming = GrpoRun.LatestCheckpoint(runDir) is not null;
        if (!resuming) PublishVersion(runId, run.Policy, 0, push: false);
        run.Resumed += (step, version) =>
        {
            lastSyncSeconds = PublishVersion(runId, run.Policy, version);
            log($"learner: resumed run {runId} at step {step}, version {version} published");
        };
        long configVersion = control.ConfigVersion;
        bool stoppedByOperator = false;

        // Between steps the learner obeys the run's control; while it waits for rollouts it cannot, and a stopped
        // run's scheduler leases nothing, so that wait would never end: this watcher cancels it on STOPPED/FAILED.
        int stopSeen = 0;
        using var watcherDone = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watcherDone.IsCancellationRequested)
            {
                try { await Task.Delay(ControlPoll, watcherDone.Token); }
                catch (OperationCanceledException) { return; }
                RunControl c;
                try { c = await runGrain.GetControl(); }
                catch (Exception e) when (OrchestratorRetry.IsTransient(e) || e is OrleansException) { continue; } // next poll retries
                if (c.Status is RunStatus.Stopped or RunStatus.Failed)
                {
                    Interlocked.Exchange(ref stopSeen, 1);
                    await stopping.CancelAsync();
                    return;
                }
            }
        });

        bool reportPending = false;
        GrpoStepMetrics? unreported = null;
        void Report(GrpoStepMetrics m)
        {
            try
            {
                Call(() => runGrain.ReportStep(run.Trainer.Step, run.Trainer.Version, m), CancellationToken.None);
                reportPending = false;
            }
            catch (InvalidOperationException)
            {
                // Not RUNNING: paused while this step's in-flight rollouts finished. Reported once resumed.
                reportPending = true;
                unreported = m;
            }
            catch (ArgumentException e)
            {
                // Behind the recorded step: a learner resumed from a checkpoint older than the last step the run
                // saw re-trains those steps (the run grain keeps the newer record).
                log($"learner: step {run.Trainer.Step} not reported: {e.Message}");
                reportPending = false;
            }
        }

        void BetweenSteps(GrpoStepMetrics m)
        {
            m["weight_sync_duration_seconds"] = lastSyncSeconds;
            Report(m);
            onStep?.Invoke(m);
            while (true)
            {
                var c = Call(() => runGrain.GetControl(), CancellationToken.None);
                if (c.ConfigVersion != configVersion)
                {
                    configVersion = c.ConfigVersion;
                    var updated = Apply(config, c.Overrides);
                    try { run.Trainer.Update(updated.Grpo); }
                    catch (ArgumentException e)
                    {
                        log($"learner: update #{configVersion} not applied: {e.Message}");
                        continue;
                    }
                    if (updated.Grpo.MaxStaleness != config.Grpo.MaxStaleness)
                        Call(() => scheduler.Configure(new SchedulerSettings(updated.Grpo.MaxStaleness, lease, TimeSpan.FromMilliseconds(20))), CancellationToken.None);
                    config = updated;
                    log($"learner: applied update #{configVersion}: lr {config.Grpo.LearningRate}, temperature {config.Grpo.Temperature}, β {config.Grpo.KlBeta}, staleness {config.Grpo.MaxStaleness}");
                }
                if (c.PendingCheckpointRequestId != 0) CheckpointOnRequest(c.PendingCheckpointRequestId);
                if (c.Status == RunStatus.Stopped || c.Status == RunStatus.Failed) { stoppedByOperator = true; stopping.Cancel(); return; }
                if (c.Status != RunStatus.Paused)
                {
                    if (reportPending && unreported is not null) Report(unreported);
                    if (!reportPending) return;
                }
                Thread.Sleep(ControlPoll); // paused: no new steps, no updates
            }
        }

        GrpoRunResult? result = null;
        try
        {
            result = run.Execute(BetweenSteps, stopping.Token);
        }
        catch (OperationCanceledException) when (stoppedByOperator || Volatile.Read(ref stopSeen) == 1) { stoppedByOperator = true; }
        finally
        {
            watcherDone.Cancel();
            watcher.GetAwaiter().GetResult();
        }
        if (stoppedByOperator || Volatile.Read(ref stopSeen) == 1)
        {
            // Stopped while waiting for rollouts: the final checkpoint (weights of the last finished step) is still owed.
            var c = Call(() => runGrain.GetControl(), CancellationToken.None);
            if (c.PendingCheckpointRequestId != 0) CheckpointOnRequest(c.PendingCheckpointRequestId);
            log($"learner: run {runId} stopped at step {run.Trainer.Step}");
            return result;
        }
        if (result is { Finished: true }) Call(() => runGrain.Succeed(), CancellationToken.None);
        return result;
    }

    private double PublishVersion(string runId, VrmModel model, long version, bool push = true)
    {
        var clock = Stopwatch.StartNew();
        var snapshot = WeightSnapshot.Capture(model, version, Epoch);
        publisher.Publish(runId, snapshot, push);
        return clock.Elapsed.TotalSeconds;
    }

    private static LearnerRunConfig Apply(LearnerRunConfig config, RunOverrides o) => o.IsEmpty ? config : config with
    {
        Grpo = config.Grpo with
        {
            LearningRate = o.LearningRate ?? config.Grpo.LearningRate,
            Temperature = o.Temperature ?? config.Grpo.Temperature,
            KlBeta = o.KlBeta ?? config.Grpo.KlBeta,
            MaxStaleness = o.MaxStaleness ?? config.Grpo.MaxStaleness,
        },
    };
}
