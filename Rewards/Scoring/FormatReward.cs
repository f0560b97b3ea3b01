namespace Vrm.Rewards;

/// <summary>
/// Format reward: 1 when the completion is exactly one think block followed by one answer block,
/// with nothing but whitespace before, between and after — <c>\s*&lt;think&gt;…&lt;/think&gt;\s*&lt;answer&gt;…&lt;/answer&gt;\s*</c>
/// where neither block contains another of the four tags. Stricter than R1-V's lazy regex, which
/// lets a think block swallow a stray "&lt;/think&gt;". Block contents may be empty: an empty answer
/// fails on correctness, not on format. Solution and task are not looked at.
/// </summary>
public sealed class FormatReward : RewardFunction
{
    public static FormatReward Instance { get; } = new();

    public override string Name => "format";

    protected override RewardScore ScoreCore(string completion, string solution, string task, ScoringDeadline deadline)
    {
        var text = completion.AsSpan();
        if (!TagCensus.TryTake(text, deadline, out var tags)) return RewardScore.Fail(RewardReason.OverTimeBound);

        if (tags.ThinkOpenCount == 0 || tags.ThinkCloseCount == 0 || tags.AnswerOpenCount == 0 || tags.AnswerCloseCount == 0)
            return RewardScore.Fail(RewardReason.MissingTags);
        if (tags.ThinkOpenCount > 1 || tags.ThinkCloseCount > 1 || tags.AnswerOpenCount > 1 || tags.AnswerCloseCount > 1)
            return RewardScore.Fail(RewardReason.RepeatedTags);
        if (!(tags.ThinkOpenAt < tags.ThinkCloseAt && tags.ThinkCloseAt < tags.AnswerOpenAt && tags.AnswerOpenAt < tags.AnswerCloseAt))
            return RewardScore.Fail(RewardReason.TagsOutOfOrder);

        int thinkEnd = tags.ThinkCloseAt + Tags.ThinkClose.Length;
        int answerEnd = tags.AnswerCloseAt + Tags.AnswerClose.Length;
        // Out of order tags were rejected above, so these three gaps are well-formed ranges.
        ReadOnlySpan<Range> outside = [0..tags.ThinkOpenAt, thinkEnd..tags.AnswerOpenAt, answerEnd..text.Length];
        foreach (var gap in outside)
        {
            if (!BoundedScan.TryIsWhiteSpace(text[gap], deadline, out bool blank)) return RewardScore.Fail(RewardReason.OverTimeBound);
            if (!blank) return RewardScore.Fail(RewardReason.TextOutsideTags);
        }
        return RewardScore.Pass;
    }
}
