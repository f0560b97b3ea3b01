using System.Diagnostics;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Runs;

namespace Vrm.Orchestrator.Simulation;

/// <summary>
/// A learner without a model that follows the admin control protocol the real learner implements:
/// claim a PENDING run, then per step poll <see cref="IRunGrain.GetControl"/> — PAUSED: wait (still
/// answer checkpoint requests); STOPPED: write the requested final checkpoint, acknowledge it, exit;
/// RUNNING: enqueue → take → "update" → ReportStep with metrics computed from the groups the
/// (simulated) workers returned. Checkpoints are "written" as a path only. The reported values are
/// real statistics of simulated completions, not of a model — tests and dashboards use them as such.
/// </summary>
public sealed class SimulatedRunLearner(IGrainFactory grains, string learnerId, int promptsPerStep, int groupSize)
{
    public const double DefaultLearningRate = 1e-6;

    public string? RunId { get; private set; }
    public int CheckpointsWritten { get; private set; }
    public double LearningRate { get; private set; } = DefaultLearningRate;

    /// <summary>Wait for a run to claim, then drive it to the end (SUCCEEDED after TotalSteps, or STOPPED/FAILED by admin).</summary>
    public async Task RunAsync(TimeSpan poll, CancellationToken ct)
    {
        var directory = grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
        RunSnapshot? run = null;
        while (run is null)
        {
            run = await OrchestratorRetry.Call(() => directory.ClaimPendingRun(learnerId), ct);
            if (run is null) await Task.Delay(poll, ct);
        }
        RunId = run.RunId;
        var runGrain = grains.GetGrain<IRunGrain>(run.RunId);
        var scheduler = grains.GetGrain<IRolloutSchedulerGrain>(run.RunId);
        var total = run.Spec!.TotalSteps;
        var maxStaleness = run.Spec.MaxStaleness;
        await OrchestratorRetry.Call(() => scheduler.Configure(SchedulerSettings.Synchronous with { MaxStaleness = maxStaleness }), ct);
        long step = run.Step == 0 && run.RecentMetrics.Count == 0 ? 0 : run.Step + 1;
        long version = run.PolicyVersion;
        long configVersion = 0;
        var enqueued = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var control = await OrchestratorRetry.Call(() => runGrain.GetControl(), ct);
            if (control.ConfigVersion != configVersion)
            {
                configVersion = control.ConfigVersion;
                LearningRate = control.Overrides.LearningRate ?? LearningRate;
                if (control.Overrides.MaxStaleness is { } s && s != maxStaleness)
                {
                    maxStaleness = s;
                    await OrchestratorRetry.Call(() => scheduler.Configure(SchedulerSettings.Synchronous with { MaxStaleness = s }), ct);
                }
            }
            if (control.PendingCheckpointRequestId != 0)
                await WriteCheckpoint(runGrain, step, version, control.PendingCheckpointRequestId, ct);
            if (RunStatusMachine.IsTerminal(control.Status)) return;
            if (control.Status != RunStatus.Running || step >= total) { await Task.Delay(poll, ct); continue; }

            var t0 = Stopwatch.GetTimestamp();
            if (!enqueued)
            {
                var prompts = Enumerable.Range((int)(step * promptsPerStep % 100_000), promptsPerStep).ToArray();
                var r = await OrchestratorRetry.Call(() => scheduler.EnqueueStep(new StepRequest(step, prompts, groupSize, version, SamplingParams.Default(step))), ct);
                if (r.Outcome is EnqueueOutcome.Paused or EnqueueOutcome.Backpressure) { await Task.Delay(poll, ct); continue; }
                enqueued = true;
            }
            var taken = await OrchestratorRetry.Call(() => scheduler.TakeCompletedStep(step), ct);
            if (taken.Outcome != TakeStepOutcome.Ready) { await Task.Delay(poll, ct); continue; }
            var sampleSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;

            // Status may have changed while sampling: an update happens only while RUNNING.
            var now = await OrchestratorRetry.Call(() => runGrain.GetControl(), ct);
            if (now.Status != RunStatus.Running) continue;
            var t1 = Stopwatch.GetTimestamp();
            var metrics = StepStatistics(taken.Groups, version, sampleSeconds);
            version++;
            metrics["step_duration_seconds_update"] = Stopwatch.GetElapsedTime(t1).TotalSeconds;
            metrics["step_duration_seconds_reference"] = 0;
            metrics["step_duration_seconds_publish"] = 0;
            metrics["weight_sync_duration_seconds"] = 0;
            metrics["learning_rate"] = LearningRate;
            metrics["policy_version"] = version;
            try
            {
                await OrchestratorRetry.Call(() => runGrain.ReportStep(step, version, metrics), ct);
            }
            catch (InvalidOperationException) { version--; continue; } // paused/stopped between the check and the report: the step is taken again later
            // Reported first, acknowledged second: a refused report leaves the step re-deliverable.
            await OrchestratorRetry.Call(() => scheduler.AcknowledgeStep(step), ct);
            step++;
            enqueued = false;
            if (step >= total)
            {
                await OrchestratorRetry.Call(() => runGrain.Succeed(), ct);
                return;
            }
        }
    }

    private async Task WriteCheckpoint(IRunGrain run, long step, long version, long requestId, CancellationToken ct)
    {
        var info = new CheckpointInfo(step, version, $"sim://checkpoints/{RunId}/step-{step:D6}-req-{requestId}", DateTimeOffset.UtcNow, requestId);
        await OrchestratorRetry.Call(() => run.AddCheckpoint(info), ct);
        CheckpointsWritten++;
    }

    /// <summary>The learner's per-step metric keys (DESIGN §6), computed from the step's groups.</summary>
    public static Dictionary<string, double> StepStatistics(CompletedGroup[] groups, long version, double sampleSeconds)
    {
        var completions = groups.SelectMany(g => g.Completions).ToArray();
        var tokens = completions.Sum(c => (long)c.TokenIds.Length);
        var logProbs = completions.SelectMany(c => c.BehaviourLogProbs).ToArray();
        var zeroVariance = groups.Count(g => g.Completions.Select(c => c.Reward.Total).Distinct().Count() == 1);
        var even = completions.Where((_, i) => i % 2 == 0).ToArray();
        var odd = completions.Where((_, i) => i % 2 == 1).ToArray();
        return new Dictionary<string, double>
        {
            ["reward_mean"] = completions.Average(c => c.Reward.Total),
            ["reward_correctness_mean"] = completions.Average(c => c.Reward.Correctness),
            ["reward_format_mean"] = completions.Average(c => c.Reward.Format),
            ["accuracy"] = completions.Average(c => c.Reward.Correctness > 0 ? 1.0 : 0.0),
            ["format_rate"] = completions.Average(c => c.Reward.Format > 0 ? 1.0 : 0.0),
            // Behaviour-policy statistics stand in for KL/entropy (no reference model here): -mean log p and its spread.
            ["entropy"] = logProbs.Length == 0 ? 0 : -logProbs.Average(),
            ["kl"] = logProbs.Length == 0 ? 0 : logProbs.Average(lp => Math.Exp(lp) - 1 - lp),
            ["completion_length_tokens"] = completions.Average(c => c.TokenIds.Length),
            ["generated_tokens"] = tokens,
            ["tokens_per_second"] = sampleSeconds > 0 ? tokens / sampleSeconds : 0,
            ["zero_variance_groups_ratio"] = groups.Length == 0 ? 0 : (double)zeroVariance / groups.Length,
            ["sample_staleness_steps"] = groups.Average(g => (double)(version - g.PolicyVersion)),
            ["step_duration_seconds_sample"] = sampleSeconds,
            ["eval_accuracy_test"] = even.Length == 0 ? 0 : even.Average(c => c.Reward.Correctness > 0 ? 1.0 : 0.0),
            ["eval_accuracy_ood"] = odd.Length == 0 ? 0 : odd.Average(c => c.Reward.Correctness > 0 ? 1.0 : 0.0),
        };
    }
}
