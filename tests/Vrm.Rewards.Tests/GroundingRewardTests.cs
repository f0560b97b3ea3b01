using Vrm.Rewards;

namespace Vrm.Rewards.Tests;

/// <summary>
/// Grounding scores the objects a count trace lists against the example's annotated trace: matched / max(listed,
/// annotated), as a multiset, never the answer.
/// </summary>
public class GroundingRewardTests
{
    private const string Annotated = "<think>red circle, blue square, red circle; total: 3</think><answer>3</answer>";

    private static RewardScore S(string completion, string reference = Annotated) =>
        GroundingReward.Instance.Score(completion, reference, "count");

    [Theory]
    [InlineData("<think>red circle, blue square, red circle; total: 3</think><answer>3</answer>")]
    [InlineData("<think>blue square, red circle, red circle; red: 2</think><answer>7</answer>")]   // order, label and answer are not judged
    [InlineData("<think> red circle ,blue square,, red circle ; total: 3</think>")]                 // spacing and empty items
    public void Exactly_the_annotated_objects_score_one(string completion)
    {
        Assert.Equal(RewardScore.Pass, S(completion));
    }

    [Theory]
    [InlineData("<think>red circle, blue square; total: 2</think><answer>2</answer>", 2.0 / 3)]                              // one missed
    [InlineData("<think>red circle, blue square, red circle, green cross; total: 4</think><answer>4</answer>", 3.0 / 4)]     // one invented
    [InlineData("<think>red circle, blue circle, red circle; total: 3</think><answer>3</answer>", 2.0 / 3)]                  // one wrong colour
    [InlineData("<think>red circle, red circle, red circle, red circle; total: 4</think><answer>4</answer>", 2.0 / 4)]       // a match counts once per annotated object
    [InlineData("<think>green cross; total: 1</think><answer>1</answer>", 0.0)]
    [InlineData("<think>; total: 0</think><answer>0</answer>", 0.0)]
    public void Partial_listings_score_the_share_matched(string completion, double expected)
    {
        var s = S(completion);
        Assert.Equal(expected, s.Value, 12);
        Assert.Equal(RewardReason.Ungrounded, s.Reason);
    }

    [Fact]
    public void An_empty_image_listed_as_empty_scores_one()
    {
        Assert.Equal(RewardScore.Pass, S("<think>; total: 0</think><answer>0</answer>", "<think>; total: 0</think><answer>0</answer>"));
    }

    [Theory]
    [InlineData("<answer>3</answer>")]
    [InlineData("<think>three things</think><answer>3</answer>")]
    [InlineData("<think>red circle; total: 1</answer>")]
    public void A_completion_that_is_not_a_count_trace_scores_zero(string completion)
    {
        Assert.Equal(RewardScore.Fail(RewardReason.NotACountTrace), S(completion));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<answer>3</answer>")]
    [InlineData("<think>the bars rise to 4</think><answer>4</answer>")]
    public void Without_a_reference_trace_every_completion_scores_zero(string reference)
    {
        Assert.Equal(RewardScore.Fail(RewardReason.NoReferenceTrace), S(Annotated, reference));
    }

    [Fact]
    public void The_composite_weighs_grounding_in_only_when_asked_and_only_with_a_reference()
    {
        const string completion = "<think>red circle, blue square; total: 2</think><answer>3</answer>";
        var weighted = new CompositeReward(new RewardWeights(1.0, 0.5, 0.0, 0.6));
        var s = weighted.Score(new RewardItem(completion, "<answer>3</answer>", "count", Annotated));
        Assert.Equal((1.0, 1.0, 2.0 / 3), (s.Correctness, s.Format, s.Grounding));
        Assert.Equal(1.5 + 0.6 * 2.0 / 3, s.Total, 12);
        Assert.Equal(RewardReason.Ungrounded, s.GroundingReason);
        // No reference: 0 for everyone in the group, so no advantage moves.
        var bare = weighted.Score(new RewardItem(completion, "<answer>3</answer>", "count"));
        Assert.Equal((0.0, 1.5, RewardReason.NoReferenceTrace), (bare.Grounding, bare.Total, bare.GroundingReason));
        // Weight 0 (the default): scored and reported, not in the total.
        var plain = CompositeReward.Default.Score(new RewardItem(completion, "<answer>3</answer>", "count", Annotated));
        Assert.Equal((2.0 / 3, 1.5), (plain.Grounding, plain.Total));
    }

    [Fact]
    public void A_huge_listing_is_bounded_and_a_spent_deadline_gives_up()
    {
        string items = string.Concat(Enumerable.Repeat("red circle, ", 200_000));
        string completion = $"<think>{items}; total: 200000</think><answer>200000</answer>";
        var s = S(completion);
        Assert.Equal(2.0 / 200_000, s.Value, 12);
        Assert.Equal(RewardReason.OverTimeBound,
            GroundingReward.Instance.Score(completion, Annotated, "count", ScoringDeadline.After(TimeSpan.Zero)).Reason);
    }
}
