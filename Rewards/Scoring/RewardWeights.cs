namespace Vrm.Rewards;

/// <summary>
/// Weights of the composite reward:
/// <c>total = Accuracy · correctness + Format · format + Consistency · consistency + Grounding · grounding</c>.
/// Defaults [1.0, 0.5] follow DESIGN §4 (R1-V / DeepSeek-R1 rule rewards); consistency (<see cref="ConsistencyReward"/>)
/// and grounding (<see cref="GroundingReward"/>) are off unless asked for.
/// </summary>
public sealed record RewardWeights(double Accuracy = 1.0, double Format = 0.5, double Consistency = 0.0, double Grounding = 0.0)
{
    public static RewardWeights Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad weight. Weights must be finite and ≥ 0.</summary>
    public RewardWeights Validate()
    {
        Check(Accuracy, nameof(Accuracy));
        Check(Format, nameof(Format));
        Check(Consistency, nameof(Consistency));
        Check(Grounding, nameof(Grounding));
        return this;
    }

    /// <summary>The problem with <paramref name="value"/> as a weight, or null when it is fine.</summary>
    public static string? Problem(double value) =>
        double.IsFinite(value) && value >= 0 ? null : $"must be finite and >= 0, got {value}";

    private static void Check(double value, string name)
    {
        if (Problem(value) is { } problem) throw new ArgumentException($"{name} weight {problem}", name);
    }
}
