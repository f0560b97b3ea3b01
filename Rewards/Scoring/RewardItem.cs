namespace Vrm.Rewards;

/// <summary>One completion to score against its reference solution (dataset fields <c>solution</c>, <c>task</c>).</summary>
public sealed record RewardItem(string Completion, string Solution, string Task);
