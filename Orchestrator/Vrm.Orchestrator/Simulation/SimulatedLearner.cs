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

    public async Task RunAsync(int steps, TimeSpan poll, CancellationToken ct)
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
            var expected = Enumerable.Range((int)(nextTake * promptsPerStep), promptsPerStep);
            if (!taken.Groups.Select(g => g.PromptIndex).Order().SequenceEqual(expected)) ExactlyOnceViolations++;
            GroupsTaken += taken.Groups.Length;
            await OrchestratorRetry.Call(() => _scheduler.AcknowledgeStep(nextTake), ct);
            nextTake++;
            PolicyVersion++;
        }
    }
}
