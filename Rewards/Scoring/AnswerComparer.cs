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
            return actual.SameValueAs(expected) ? RewardScore.Pass : RewardScore.Fail(RewardReason.WrongAnswer);
        }

        var referenceOutcome = TextAnswer.TryNormalize(reference, deadline, int.MaxValue, out string normalizedReference);
        if (referenceOutcome == TextNormalization.OverTimeBound) return RewardScore.Fail(RewardReason.OverTimeBound);
        // A reference of only punctuation normalises to "": compare the raw text instead of matching every empty answer.
        if (normalizedReference.Length == 0) return answer.SequenceEqual(reference) ? RewardScore.Pass : RewardScore.Fail(RewardReason.WrongAnswer);
        return TextAnswer.TryNormalize(answer, deadline, normalizedReference.Length, out string normalizedAnswer) switch
        {
            TextNormalization.OverTimeBound => RewardScore.Fail(RewardReason.OverTimeBound),
            TextNormalization.LongerThanLimit => RewardScore.Fail(RewardReason.WrongAnswer),
            _ => normalizedAnswer == normalizedReference ? RewardScore.Pass : RewardScore.Fail(RewardReason.WrongAnswer),
        };
    }
}
