namespace Vrm.Rewards;

/// <summary>
/// A rule-based reward: scores one completion against its reference solution. Implementations are
/// stateless and thread-safe, run in time linear in their input, never throw on any completion text,
/// and give up with <see cref="RewardReason.OverTimeBound"/> once the deadline has passed.
/// </summary>
public abstract class RewardFunction
{
    /// <summary>Short stable name, e.g. "accuracy", "format".</summary>
    public abstract string Name { get; }

    public RewardScore Score(string completion, string solution, string task, ScoringDeadline deadline)
    {
        ArgumentNullException.ThrowIfNull(completion);
        ArgumentNullException.ThrowIfNull(solution);
        ArgumentNullException.ThrowIfNull(task);
        return ScoreCore(completion, solution, task, deadline);
    }

    public RewardScore Score(string completion, string solution, string task) =>
        Score(completion, solution, task, ScoringDeadline.None);

    protected abstract RewardScore ScoreCore(string completion, string solution, string task, ScoringDeadline deadline);
}
