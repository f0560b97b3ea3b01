namespace Vrm.Rewards;

/// <summary>
/// The composite reward of one completion. <see cref="Reason"/> is the one reason that best explains
/// <see cref="Total"/> (over time bound, then a bad reference, then the correctness reason, then the
/// format reason); the per-component reasons are kept too.
/// </summary>
public sealed record RewardBreakdown(
    double Correctness,
    double Format,
    double Total,
    RewardReason Reason,
    RewardReason CorrectnessReason,
    RewardReason FormatReason,
    double Consistency = 0,
    RewardReason ConsistencyReason = RewardReason.NotACountTrace,
    double Grounding = 0,
    RewardReason GroundingReason = RewardReason.NoReferenceTrace);
