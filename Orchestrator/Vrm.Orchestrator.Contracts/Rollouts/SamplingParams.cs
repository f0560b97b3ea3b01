namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>How a worker samples one assignment's completions (DESIGN §4 defaults: T = 1.0, top-p 1.0, 64 new tokens).</summary>
[GenerateSerializer, Immutable]
public sealed record SamplingParams(
    [property: Id(0)] float Temperature,
    [property: Id(1)] float TopP,
    [property: Id(2)] int MaxNewTokens,
    [property: Id(3)] long Seed)
{
    public static SamplingParams Default(long seed) => new(1.0f, 1.0f, 64, seed);

    public string? Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) return $"sampling: Temperature must be ≥ 0 (got {Temperature})";
        if (!(TopP > 0 && TopP <= 1)) return $"sampling: TopP must be in (0, 1] (got {TopP})";
        if (MaxNewTokens <= 0) return $"sampling: MaxNewTokens must be > 0 (got {MaxNewTokens})";
        return null;
    }
}
