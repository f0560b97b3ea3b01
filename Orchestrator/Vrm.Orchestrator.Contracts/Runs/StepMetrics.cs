namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>One step's metric map, keys as in DESIGN §6 without the vrm_ prefix (e.g. "reward_mean", "kl").</summary>
[GenerateSerializer, Immutable]
public sealed record StepMetrics(
    [property: Id(0)] long Step,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] IReadOnlyDictionary<string, double> Values);
