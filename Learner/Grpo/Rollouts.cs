using Vrm.Policy;

namespace Vrm.Learner.Grpo;

/// <summary>One scored completion: what the sampler produced and what the reward functions said of it.</summary>
public sealed record ScoredCompletion(
    int[] Tokens, float[] BehaviourLogProbs, FinishReason Finish, string Text,
    double Correctness, double Format, double Reward, long PolicyVersion);

/// <summary>G completions of one prompt (a row of the training set), as the learner consumes them.</summary>
public sealed record RolloutGroup(int PromptRow, IReadOnlyList<ScoredCompletion> Completions, string? WorkerId = null, string? AssignmentId = null);

/// <summary>What the learner asks for at one step: prompts × G at a policy version with given sampling.</summary>
public sealed record RolloutRequest(int Step, int Round, IReadOnlyList<int> PromptRows, int GroupSize, long PolicyVersion, SamplingParams Sampling);

/// <summary>
/// Where groups come from. The trainer is written as one loop (generate → score → advantages → update →
/// sync, verl's single-controller style); whether sampling happens in this process or on rollout workers
/// behind the Orleans scheduler is this interface's business, declared once.
/// </summary>
public interface IRolloutSource
{
    /// <summary>Returns exactly one group per requested prompt, in request order. Blocks until they are ready.</summary>
    IReadOnlyList<RolloutGroup> Collect(RolloutRequest request);

    /// <summary>Called after every update with the new policy (version and model), e.g. to push weights.</summary>
    void PolicyUpdated(long version, VrmModel policy);
}
