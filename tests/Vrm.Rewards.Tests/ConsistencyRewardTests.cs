using Vrm.Rewards;

namespace Vrm.Rewards.Tests;

/// <summary>
/// Consistency scores whether the answer follows from the completion's own listing — never whether it is right.
/// </summary>
public class ConsistencyRewardTests
{
    private static RewardScore S(string completion) => ConsistencyReward.Instance.Score(completion, "<answer>9</answer>", "count");

    [Theory]
    [InlineData("<think>red circle, blue square, red cross; total: 3</think><answer>3</answer>")]
    [InlineData("<think>red circle, blue square, red cross; red: 2</think><answer>2</answer>")]
    [InlineData("<think>red circle, blue square, red cross; crosses: 1</think><answer>1</answer>")]
    [InlineData("<think>red circle, blue square, red circle; circles: 2</think><answer>2</answer>")]
    [InlineData("<think>red circle, blue circle, red cross; red circles: 1</think><answer>1</answer>")]
    [InlineData("<think>red circle, blue square; green: 0</think><answer>0</answer>")]
    [InlineData("<think> red circle ,blue square ;  total:  2 </think>\n<answer> 2 </answer>")]
    public void The_claim_that_counts_the_listing_and_is_answered_is_consistent(string completion)
    {
        Assert.Equal(RewardScore.Pass, S(completion));
    }

    [Theory]
    [InlineData("<think>red circle, blue square, red cross; red: 1</think><answer>1</answer>")]     // two reds listed
    [InlineData("<think>red circle, blue square, red cross; red: 2</think><answer>3</answer>")]     // answer differs from the claim
    [InlineData("<think>red circle, red cross; red circles: 2</think><answer>2</answer>")]         // pair needs both
    [InlineData("<think>red cross, blue cross; crosss: 2</think><answer>2</answer>")]              // not the plural of cross
    [InlineData("<think>red circle; total: 1</think><answer>one</answer>")]                        // answer is not a count
    [InlineData("<think>red circle; total: 1</think>")]                                             // no answer block
    public void A_claim_the_listing_does_not_support_is_inconsistent(string completion)
    {
        Assert.Equal(RewardScore.Fail(RewardReason.Inconsistent), S(completion));
    }

    [Theory]
    [InlineData("<answer>2</answer>")]
    [InlineData("<think>the bars rise to 4</think><answer>4</answer>")]
    [InlineData("<think>red circle; total: two</think><answer>2</answer>")]
    [InlineData("<think>red circle; : 1</think><answer>1</answer>")]
    [InlineData("<think>red circle; total: 1</answer>")]
    [InlineData("<think>red circle; total: 1234567</think><answer>1234567</answer>")]
    public void Reasoning_that_is_not_a_count_trace_scores_zero_with_its_own_reason(string completion)
    {
        Assert.Equal(RewardScore.Fail(RewardReason.NotACountTrace), S(completion));
    }

    [Fact]
    public void A_wrong_but_consistent_answer_still_scores_and_a_right_guess_does_not()
    {
        // The reference says 9 in every case above; the reward never reads it.
        var composite = new CompositeReward(new RewardWeights(1.0, 0.5, 0.5));
        var counted = composite.Score("<think>red circle; total: 1</think><answer>1</answer>", "<answer>1</answer>", "count");
        var guessed = composite.Score("<think>red circle, blue square; total: 1</think><answer>1</answer>", "<answer>1</answer>", "count");
        var wrongButCounted = composite.Score("<think>red circle, blue square; total: 2</think><answer>2</answer>", "<answer>1</answer>", "count");
        Assert.Equal((1.0, 1.0, 2.0), (counted.Correctness, counted.Consistency, counted.Total));
        Assert.Equal((1.0, 0.0, 1.5), (guessed.Correctness, guessed.Consistency, guessed.Total));
        Assert.Equal(RewardReason.Inconsistent, guessed.ConsistencyReason);
        Assert.Equal((0.0, 1.0, 1.0), (wrongButCounted.Correctness, wrongButCounted.Consistency, wrongButCounted.Total));
        // Weight 0 (DESIGN's default): scored and reported, not in the total.
        var plain = CompositeReward.Default.Score("<think>red circle; total: 1</think><answer>1</answer>", "<answer>1</answer>", "count");
        Assert.Equal((1.0, 1.5), (plain.Consistency, plain.Total));
    }

    [Fact]
    public void A_huge_listing_is_counted_and_a_spent_deadline_gives_up()
    {
        string items = string.Concat(Enumerable.Repeat("red circle, ", 200_000));
        string completion = $"<think>{items}; red: 200000</think><answer>200000</answer>";
        Assert.Equal(RewardScore.Pass, S(completion));
        Assert.Equal(RewardReason.OverTimeBound,
            ConsistencyReward.Instance.Score(completion, "9", "count", ScoringDeadline.After(TimeSpan.Zero)).Reason);
    }
}
