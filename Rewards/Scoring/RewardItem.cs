namespace Vrm.Rewards;

/// <summary>
/// One completion to score against its reference solution (dataset fields <c>solution</c>, <c>task</c>) and, when the
/// dataset has one, its annotated reasoning trace (<c>reasoning</c>), which <see cref="GroundingReward"/> checks the
/// listing against.
/// </summary>
public sealed record RewardItem(string Completion, string Solution, string Task, string? Reference = null);
