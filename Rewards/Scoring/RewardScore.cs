namespace Vrm.Rewards;

/// <summary>The value of one reward function on one completion (0 or 1 for the built-in rules) and why.</summary>
public readonly record struct RewardScore(double Value, RewardReason Reason)
{
    public static RewardScore Pass => new(1.0, RewardReason.Ok);
    public static RewardScore Fail(RewardReason reason) => new(0.0, reason);
}
