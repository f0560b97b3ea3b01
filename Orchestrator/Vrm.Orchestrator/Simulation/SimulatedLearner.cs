using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;

namespace Vrm.Orchestrator.Simulation;

/// <summary>
/// The learner side of the control plane without training: keeps up to maxStaleness + 1 steps
/// enqueued, takes each step when complete, checks that every prompt of the step came back exactly
/// once, acknowledges it and moves to the next policy version.
/// </summary>
public sealed class SimulatedLearner(IGrainFactory grains, string runId, int promptsPerStep, int groupSize, int promptsPerAssignment, int maxStaleness)
{
    private readonly IRolloutSchedulerGrain _scheduler = grains.GetGrain<IRolloutSchedulerGrain>(runId);

    public long PolicyVersion { get; private set; }
    public long GroupsTaken { get; private set; }
    /// <summary>Steps whose groups did not cover every prompt exactly once (must stay 0).</summary>
    public int ExactlyOnceViolations { get; private set; }
    public int BackpressureRefusals { get; private set; }
    /// <summary>Prompts the scheduler gave up on (poison assignments) and reported with their step.</summary>
    public long PromptsAbandoned { get; private set; }

    /// <param name="onAcknowledged">Called after each step is acknowledged, with the step number (the benchmark ends its
    /// warm-up there); returning true stops the learner before <paramref name="steps"/> (steps enqueued ahead stay untaken).</param>
    public async Task RunAsync(int steps, TimeSpan poll, CancellationToken ct, Func<long, bool>? onAcknowledged = null)
    {
        long nextEnqueue = 0, nextTake = 0;
        var cap = maxStaleness + 1;
        while (nextTake < steps)
        {
            ct.ThrowIfCancellationRequested();
            while (nextEnqueue < steps && nextEnqueue - nextTake < cap)
            {
                var step = nextEnqueue;
                var prompts = Enumerable.Range((int)(step * promptsPerStep), promptsPerStep).ToArray();
                var request = new StepRequest(step, prompts, groupSize, PolicyVersion, SamplingParams.Default(step), promptsPerAssignment);
                var result = await OrchestratorRetry.Call(() => _scheduler.EnqueueStep(request), ct);
                if (result.Outcome == EnqueueOutcome.Backpressure) { BackpressureRefusals++; break; }
                nextEnqueue++;
            }
            var taken = await OrchestratorRetry.Call(() => _scheduler.TakeCompletedStep(nextTake), ct);
            if (taken.Outcome != TakeStepOutcome.Ready)
            {
                await Task.Delay(poll, ct);
                continue;
            }
            // Groups and abandoned (poison) prompts together cover the step's prompts exactly once.
            var expected = Enumerable.Range((int)(nextTake * promptsPerStep), promptsPerStep);
            if (!taken.Groups.Select(g => g.PromptIndex).Concat(taken.Abandoned).Order().SequenceEqual(expected)) ExactlyOnceViolations++;
            GroupsTaken += taken.Groups.Length;
            PromptsAbandoned += taken.Abandoned.Length;
            await OrchestratorRetry.Call(() => _scheduler.AcknowledgeStep(nextTake), ct);
            var stop = onAcknowledged?.Invoke(nextTake) == true;
            nextTake++;
            PolicyVersion++;
            if (stop) return;
        }
    }
}
