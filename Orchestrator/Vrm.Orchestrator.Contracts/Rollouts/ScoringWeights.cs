using Vrm.Rewards;

namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// The reward weights a learner's run scores with (DESIGN §4: total = w_acc · correctness + w_fmt · format, plus
/// w_cons · consistency and w_gnd · grounding), carried from its step requests to every assignment so that workers score
/// as the run asked. A request or assignment without weights is scored with the reward service's defaults.
/// The Orleans-serialisable twin of <see cref="RewardWeights"/> (which knows nothing of Orleans): <see cref="Of"/> and
/// <see cref="ToRewardWeights"/> are the one conversion, and the rule for a valid weight is RewardWeights'.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScoringWeights(
    [property: Id(0)] double Accuracy,
    [property: Id(1)] double Format,
    [property: Id(2)] double Consistency,
    [property: Id(3)] double Grounding = 0)
{
    public static ScoringWeights Of(RewardWeights w) => new(w.Accuracy, w.Format, w.Consistency, w.Grounding);

    public RewardWeights ToRewardWeights() => new(Accuracy, Format, Consistency, Grounding);

    public string? Validate()
    {
        foreach (var (name, value) in new[] { ("Accuracy", Accuracy), ("Format", Format), ("Consistency", Consistency), ("Grounding", Grounding) })
            if (RewardWeights.Problem(value) is { } problem) return $"weights: {name} {problem}";
        return null;
    }
}
