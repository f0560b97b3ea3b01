using Vrm.Rewards;

namespace Vrm.Rewards.Tests;

public class CompositeRewardTests
{
    private const string WellFormedThree = "<think>1+2</think><answer>3</answer>";

    [Fact]
    public void Default_weights_are_one_and_a_half()
    {
        Assert.Equal(new RewardWeights(1.0, 0.5), CompositeReward.Default.Weights);
        var b = CompositeReward.Default.Score(WellFormedThree, "<answer>3</answer>", "count");
        Assert.Equal(new RewardBreakdown(1, 1, 1.5, RewardReason.Ok, RewardReason.Ok, RewardReason.Ok), b);
    }

    [Fact]
    public void Components_and_reasons_add_up()
    {
        var reward = CompositeReward.Default;
        var correctOnly = reward.Score("So: <think>x</think><answer>3</answer>", "3", "count");
        Assert.Equal(new RewardBreakdown(1, 0, 1.0, RewardReason.TextOutsideTags, RewardReason.Ok, RewardReason.TextOutsideTags), correctOnly);
        var formatOnly = reward.Score(WellFormedThree, "4", "count");
        Assert.Equal(new RewardBreakdown(0, 1, 0.5, RewardReason.WrongAnswer, RewardReason.WrongAnswer, RewardReason.Ok), formatOnly);
        var badReference = reward.Score(WellFormedThree, "<answer>4", "count");
        Assert.Equal(RewardReason.InvalidSolution, badReference.Reason);
        Assert.Equal(0.5, badReference.Total);
    }

    [Fact]
    public void Custom_weights_apply_per_instance_and_per_call()
    {
        var reward = new CompositeReward(new RewardWeights(Accuracy: 2.0, Format: 0.25));
        Assert.Equal(2.25, reward.Score(WellFormedThree, "3", "count").Total);
        Assert.Equal(0.0 * 1 + 3.0 * 1, reward.Score(WellFormedThree, "3", "count", new RewardWeights(0.0, 3.0)).Total);
    }

    [Theory]
    [InlineData(double.NaN, 0.5, "Accuracy")]
    [InlineData(1.0, double.PositiveInfinity, "Format")]
    [InlineData(-1.0, 0.5, "Accuracy")]
    public void Bad_weights_are_refused_by_name(double accuracy, double format, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new CompositeReward(new RewardWeights(accuracy, format)));
        Assert.Equal(field, e.ParamName);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void The_time_bound_is_enforced_not_just_reported()
    {
        // A zero bound expires at the scanner's first poll: the 4 M-char item is abandoned, not scanned.
        var reward = new CompositeReward(timeBound: TimeSpan.Zero);
        string huge = "<think>" + new string('x', 4 << 20) + "</think><answer>3</answer>";
        var b = reward.Score(huge, "3", "count");
        Assert.Equal(new RewardBreakdown(0, 0, 0, RewardReason.OverTimeBound, RewardReason.OverTimeBound, RewardReason.OverTimeBound, 0, RewardReason.OverTimeBound, 0, RewardReason.OverTimeBound), b);
        // The same item within the default bound scores normally.
        Assert.Equal(RewardReason.Ok, CompositeReward.Default.Score(huge, "3", "count").Reason);
    }

    [Fact]
    public void A_parallel_batch_equals_scoring_item_by_item()
    {
        var random = new Random(1234);
        string[] answers = ["3", "3.0", "4", "circle", "Circle.", "", "1e3", "-1"];
        string[] solutions = ["3", "<answer>3</answer>", "circle", "1000", "<answer>-1</answer>"];
        var items = new RewardItem[3000];
        for (int i = 0; i < items.Length; i++)
        {
            string answer = answers[random.Next(answers.Length)];
            string completion = random.Next(4) switch
            {
                0 => $"<think>t{i}</think><answer>{answer}</answer>",
                1 => $"<answer>{answer}</answer>",
                2 => $"<think>t</think> <answer>{answer}</answer><answer>9</answer>",
                _ => $"x <think>t</think><answer>{answer}",
            };
            items[i] = new RewardItem(completion, solutions[random.Next(solutions.Length)], "count");
        }
        var reward = CompositeReward.Default;
        var parallel = reward.ScoreBatch(items, maxDegreeOfParallelism: 4);
        var sequential = reward.ScoreBatch(items, maxDegreeOfParallelism: 1);
        Assert.Equal(sequential, parallel);
        for (int i = 0; i < items.Length; i++) Assert.Equal(reward.Score(items[i]), parallel[i]);
        // The mix must actually exercise different outcomes, or this test proves nothing.
        Assert.True(parallel.Select(b => b.Total).Distinct().Count() >= 3);
    }
}
