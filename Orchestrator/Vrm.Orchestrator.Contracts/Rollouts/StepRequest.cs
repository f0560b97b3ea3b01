namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// The learner at policy version <see cref="RequiredVersion"/> asks for step <see cref="Step"/>:
/// every prompt in <see cref="PromptIndices"/> × <see cref="GroupSize"/> completions, split into
/// assignments of <see cref="PromptsPerAssignment"/> prompts (1 = one assignment per group).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StepRequest(
    [property: Id(0)] long Step,
    [property: Id(1)] int[] PromptIndices,
    [property: Id(2)] int GroupSize,
    [property: Id(3)] long RequiredVersion,
    [property: Id(4)] SamplingParams Sampling,
    [property: Id(5)] int PromptsPerAssignment = 1,
    [property: Id(6)] ScoringWeights? Weights = null)
{
    public string? Validate()
    {
        if (Step < 0) return $"step request: Step must be ≥ 0 (got {Step})";
        if (PromptIndices is null || PromptIndices.Length == 0) return $"step request {Step}: PromptIndices is empty";
        if (PromptIndices.Any(i => i < 0)) return $"step request {Step}: PromptIndices contains a negative index";
        if (PromptIndices.Distinct().Count() != PromptIndices.Length) return $"step request {Step}: PromptIndices contains duplicates (each group must be identifiable by its prompt index)";
        if (GroupSize <= 0) return $"step request {Step}: GroupSize must be > 0 (got {GroupSize})";
        if (RequiredVersion < 0) return $"step request {Step}: RequiredVersion must be ≥ 0 (got {RequiredVersion})";
        if (PromptsPerAssignment <= 0) return $"step request {Step}: PromptsPerAssignment must be > 0 (got {PromptsPerAssignment})";
        if (Weights?.Validate() is { } badWeights) return $"step request {Step}: {badWeights}";
        return Sampling is null ? $"step request {Step}: Sampling is missing" : Sampling.Validate();
    }
}
