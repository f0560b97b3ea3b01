using Vrm.Orchestrator.Contracts.Rollouts;

namespace Vrm.Orchestrator.Tests.Fixtures;

/// <summary>Well-formed completed groups for an assignment, as a worker would send them.</summary>
public static class Groups
{
    public static CompletedGroup[] For(RolloutAssignment a, string workerId, long version, string text = "<answer>1</answer>")
        => a.PromptIndices.Select(p => new CompletedGroup(p,
            Enumerable.Range(0, a.GroupSize).Select(i => new Completion([p, i, 2], [-0.1f, -0.2f, -0.3f], "stop", new RewardComponents(1, 1, 1.5f), text)).ToArray(),
            version, workerId)).ToArray();

    public static StepRequest Step(long step, int prompts, int groupSize = 2, long requiredVersion = 0, int perAssignment = 1)
        => new(step, Enumerable.Range((int)step * 1000, prompts).ToArray(), groupSize, requiredVersion, SamplingParams.Default(step), perAssignment);
}
