namespace Vrm.Orchestrator.Contracts.Rollouts;

// SuppressReferenceTracking on the rollout messages: none of them is shared or cyclic inside a message, and tracking
// every record of a CompleteAndLease call (G completions, each with its reward record) pushed Orleans' per-message
// reference table past its 64 inline slots, so every call allocated two overflow dictionaries: a quarter of the control
// plane's bytes allocated per assignment, measured with `vrm bench cluster --alloc-types`.

/// <summary>Reward components of one completion (DESIGN §4: total = w_acc · correctness + w_fmt · format, plus
/// w_cons · consistency and w_gnd · grounding when those weights are on). Doubles, as the reward service computes them:
/// a fractional component (grounding) rounded to float made the cluster's advantages differ from the in-process ones.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record RewardComponents(
    [property: Id(0)] double Correctness,
    [property: Id(1)] double Format,
    [property: Id(2)] double Total,
    [property: Id(3)] double Consistency = 0,
    [property: Id(4)] double Grounding = 0);

/// <summary>One sampled completion: token ids with the behaviour policy's log-prob of each (needed for the clipped importance ratio).</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record Completion(
    [property: Id(0)] int[] TokenIds,
    [property: Id(1)] float[] BehaviourLogProbs,
    [property: Id(2)] string FinishReason,
    [property: Id(3)] RewardComponents Reward,
    [property: Id(4)] string Text);

/// <summary>The G completions of one prompt, sampled by one worker with one policy version.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record CompletedGroup(
    [property: Id(0)] int PromptIndex,
    [property: Id(1)] Completion[] Completions,
    [property: Id(2)] long PolicyVersion,
    [property: Id(3)] string WorkerId);
