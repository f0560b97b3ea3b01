using Vrm.Policy;
using Vrm.Rewards;

namespace Vrm.Learner.Grpo;

/// <summary>One scored completion: what the sampler produced and what the reward functions said of it.</summary>
public sealed record ScoredCompletion(
    int[] Tokens, float[] BehaviourLogProbs, FinishReason Finish, string Text,
    double Correctness, double Format, double Reward, long PolicyVersion, double Consistency = 0, double Grounding = 0);

/// <summary>G completions of one prompt (a row of the training set), as the learner consumes them.</summary>
public sealed record RolloutGroup(int PromptRow, IReadOnlyList<ScoredCompletion> Completions, string? WorkerId = null, string? AssignmentId = null);

/// <summary>What the learner asks for at one step: prompts × G at a policy version with given sampling.</summary>
/// <param name="Weights">The reward weights to score with; null: the scorer's own (in-process) or the reward service's defaults.</param>
public sealed record RolloutRequest(int Step, int Round, IReadOnlyList<int> PromptRows, int GroupSize, long PolicyVersion, SamplingParams Sampling,
    RewardWeights? Weights = null);

/// <summary>
/// Where groups come from. The trainer is written as one loop (generate → score → advantages → update →
/// sync, verl's single-controller style); whether sampling happens in this process or on rollout workers
/// behind the Orleans scheduler is this interface's business, declared once.
/// </summary>
public interface IRolloutSource
{
    /// <summary>
    /// Announces a request ahead of time (asynchronous mode keeps up to maxStaleness + 1 steps submitted, so
    /// workers sample step s+1 while the learner updates on step s). Idempotent per (step, round).
    /// </summary>
    void Submit(RolloutRequest request);

    /// <summary>
    /// Blocks until the groups of a submitted request are ready: one per prompt. A source may return the
    /// groups of an earlier submission of the same (step, round) — e.g. after a learner restart — so the
    /// caller trains on <see cref="RolloutGroup.PromptRow"/>, not on what it asked for.
    /// </summary>
    IReadOnlyList<RolloutGroup> Await(RolloutRequest request);

    /// <summary>Called after every update with the new policy (version and model), e.g. to push weights.</summary>
    void PolicyUpdated(long version, VrmModel policy);

    /// <summary>Called after a checkpoint that includes every update up to <paramref name="step"/> (exclusive count).</summary>
    void Checkpointed(int step) { }
}
