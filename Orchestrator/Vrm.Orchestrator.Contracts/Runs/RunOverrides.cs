namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>
/// The live-changeable part of a run (UpdateRun). Null = unchanged / the spec's value. The learner
/// applies them at the next step boundary when it sees <see cref="RunControl.ConfigVersion"/> move.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunOverrides(
    [property: Id(0)] double? LearningRate = null,
    [property: Id(1)] double? Temperature = null,
    [property: Id(2)] double? KlBeta = null,
    [property: Id(3)] int? MaxStaleness = null)
{
    public static RunOverrides None { get; } = new();

    public bool IsEmpty => LearningRate is null && Temperature is null && KlBeta is null && MaxStaleness is null;

    /// <summary>Bad values → (field, message); null when valid. Field names are the admin API's (snake_case).</summary>
    public (string Field, string Message)? Validate()
    {
        if (LearningRate is { } lr && (!double.IsFinite(lr) || lr <= 0 || lr > 1))
            return ("learning_rate", $"learning_rate must be in (0, 1] (got {lr})");
        if (Temperature is { } t && (!double.IsFinite(t) || t <= 0 || t > 10))
            return ("temperature", $"temperature must be in (0, 10] (got {t})");
        if (KlBeta is { } b && (!double.IsFinite(b) || b < 0 || b > 100))
            return ("kl_beta", $"kl_beta must be in [0, 100] (got {b})");
        if (MaxStaleness is { } s && (s < 0 || s > 64))
            return ("max_staleness", $"max_staleness must be in [0, 64] (got {s})");
        return null;
    }

    /// <summary>Later values win; unset fields keep the earlier value.</summary>
    public RunOverrides Merge(RunOverrides later) => new(
        later.LearningRate ?? LearningRate, later.Temperature ?? Temperature,
        later.KlBeta ?? KlBeta, later.MaxStaleness ?? MaxStaleness);
}
