namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>
/// What a run is asked to do. The trainer configuration travels as JSON (the learner owns its schema;
/// the orchestrator must not depend on Policy/Learner config types). The scheduling fields are the ones
/// the control plane itself acts on.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string ConfigJson,
    [property: Id(2)] int TotalSteps,
    [property: Id(3)] int MaxStaleness,
    [property: Id(4)] string IdempotencyKey)
{
    /// <summary>Bad input → a message naming the field; null when valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) return "run spec: Name is empty";
        if (TotalSteps <= 0) return $"run spec: TotalSteps must be > 0 (got {TotalSteps})";
        if (MaxStaleness < 0) return $"run spec: MaxStaleness must be ≥ 0 (got {MaxStaleness})";
        return null;
    }
}
