namespace Vrm.Rewards;

/// <summary>
/// Decides whether an extracted answer matches the reference. The reference's shape picks the rule:
/// a reference that parses as a number is compared numerically (<see cref="NumericAnswer"/>) and the
/// answer must parse as a number too ("3 circles" against "3" is <see cref="RewardReason.NotANumber"/>);
/// any other reference is compared as normalised text (<see cref="TextAnswer"/>).
/// </summary>
public static class AnswerComparer
{
    public static RewardScore Compare(ReadOnlySpan<char> answer, ReadOnlySpan<char> reference, ScoringDeadline deadline)
    {
        if (answer.IsEmpty) return RewardScore.Fail(RewardReason.EmptyAnswer);

        if (NumericAnswer.TryParse(reference, out var expected))
        {
            if (!NumericAnswer.TryParse(answer, out var actual)) return RewardScore.Fail(RewardReason.NotANumber);
            return actual == expected ? RewardScore.Pass : RewardScore.Fail(RewardReason.WrongAnswer);
        }

        string? normalizedReference = TextAnswer.Normalize(reference, deadline);
        string? normalizedAnswer = normalizedReference is null ? null : TextAnswer.Normalize(answer, deadline);
        if (normalizedReference is null || normalizedAnswer is null) return RewardScore.Fail(RewardReason.OverTimeBound);
        // A reference of only punctuation normalises to "": compare the raw text instead of matching every empty answer.
        if (normalizedReference.Length == 0) return answer.SequenceEqual(reference) ? RewardScore.Pass : RewardScore.Fail(RewardReason.WrongAnswer);
        return normalizedAnswer == normalizedReference ? RewardScore.Pass : RewardScore.Fail(RewardReason.WrongAnswer);
    }
}
