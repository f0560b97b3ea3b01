namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// A unit of rollout work: sample <see cref="GroupSize"/> completions for each prompt, with a policy
/// version ≥ <see cref="MinVersion"/> (= required − maxStaleness), and complete before the deadline
/// or the assignment goes back to the queue.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed record RolloutAssignment(
    [property: Id(0)] string AssignmentId,
    [property: Id(1)] string RunId,
    [property: Id(2)] long Step,
    [property: Id(3)] int[] PromptIndices,
    [property: Id(4)] int GroupSize,
    [property: Id(5)] long RequiredVersion,
    [property: Id(6)] long MinVersion,
    [property: Id(7)] SamplingParams Sampling,
    [property: Id(8)] DateTimeOffset LeaseDeadline,
    [property: Id(9)] ScoringWeights? Weights = null);
