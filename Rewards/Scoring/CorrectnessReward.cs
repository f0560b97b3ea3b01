namespace Vrm.Rewards;

/// <summary>
/// Accuracy reward: 1 when the answer in the completion's first answer block matches the reference
/// answer of the solution (<see cref="AnswerExtractor"/>, <see cref="AnswerComparer"/>), else 0.
/// The task does not change the rule today: the reference's own shape (number or text) does.
/// </summary>
public sealed class CorrectnessReward : RewardFunction
{
    public static CorrectnessReward Instance { get; } = new();

    public override string Name => "accuracy";

    protected override RewardScore ScoreCore(string completion, string solution, string task, ScoringDeadline deadline)
    {
        switch (AnswerExtractor.TryExtractReference(solution, deadline, out var referenceRange))
        {
            case AnswerExtraction.OverTimeBound: return RewardScore.Fail(RewardReason.OverTimeBound);
            case AnswerExtraction.Found: break;
            default: return RewardScore.Fail(RewardReason.InvalidSolution);
        }
        var reference = solution.AsSpan()[referenceRange];
        if (reference.IsEmpty) return RewardScore.Fail(RewardReason.InvalidSolution);

        return AnswerExtractor.TryExtract(completion, deadline, out var answerRange) switch
        {
            AnswerExtraction.Found => AnswerComparer.Compare(completion.AsSpan()[answerRange], reference, deadline),
            AnswerExtraction.NoAnswerTag => RewardScore.Fail(RewardReason.NoAnswerTag),
            AnswerExtraction.UnclosedAnswerTag => RewardScore.Fail(RewardReason.UnclosedAnswerTag),
            _ => RewardScore.Fail(RewardReason.OverTimeBound),
        };
    }
}
