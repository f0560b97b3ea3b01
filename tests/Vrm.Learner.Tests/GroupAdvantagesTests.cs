using Vrm.Learner.Grpo;

namespace Vrm.Learner.Tests;

/// <summary>Advantages against values computed by hand (unbiased std, ε = 1e-6).</summary>
public class GroupAdvantagesTests
{
    [Fact]
    public void Group_mode_divides_by_the_group_sample_std()
    {
        // mean 0.75; deviations .25 −.75 −.25 .75; Σd² = 1.25; var = 1.25/3; std = 0.6454972
        var a = GroupAdvantages.Compute([1, 0, 0.5, 1.5], 4, AdvantageMode.Group);
        double std = Math.Sqrt(1.25 / 3) + 1e-6;
        Assert.Equal([0.25 / std, -0.75 / std, -0.25 / std, 0.75 / std], a);
        Assert.Equal(0.387298, a[0], 5);
    }

    [Fact]
    public void None_mode_only_subtracts_the_group_mean()
    {
        var a = GroupAdvantages.Compute([1, 0, 0.5, 1.5, 2, 2, 2, 0], 4, AdvantageMode.None);
        Assert.Equal([0.25, -0.75, -0.25, 0.75, 0.5, 0.5, 0.5, -1.5], a);
    }

    [Fact]
    public void Batch_mode_uses_the_batch_std_and_the_group_mean()
    {
        // batch [1,0,3,3]: mean 1.75, Σd² = 6.75, var = 2.25, std = 1.5
        var a = GroupAdvantages.Compute([1, 0, 3, 3], 2, AdvantageMode.Batch);
        Assert.Equal(0.5 / (1.5 + 1e-6), a[0], 12);
        Assert.Equal(-0.5 / (1.5 + 1e-6), a[1], 12);
        Assert.Equal(0, a[2]);
        Assert.Equal(0, a[3]);
    }

    [Theory]
    [InlineData(AdvantageMode.Group)]
    [InlineData(AdvantageMode.None)]
    [InlineData(AdvantageMode.Batch)]
    public void A_zero_variance_group_gets_zero_advantage_in_every_mode(AdvantageMode mode)
    {
        var a = GroupAdvantages.Compute([1.5, 1.5, 1.5, 0, 1, 0.5], 3, mode);
        Assert.Equal([0, 0, 0], a[..3]);
        Assert.Equal([true, false], GroupAdvantages.ZeroVarianceGroups([1.5, 1.5, 1.5, 0, 1, 0.5], 3));
    }

    [Fact]
    public void Rewards_not_divisible_by_group_size_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([1, 2, 3], 2, AdvantageMode.Group));
        Assert.Contains("multiple of group size", e.Message);
    }

    [Fact]
    public void Distinct_ratio_is_each_groups_share_of_different_texts_averaged()
    {
        static RolloutGroup Group(params string[] texts) => new(0, texts.Select(t =>
            new ScoredCompletion([1], [0f], Vrm.Policy.FinishReason.Stop, t, 0, 0, 0, 0)).ToList());
        // 4 distinct of 4, 1 of 4, 2 of 4 → (1 + 0.25 + 0.5) / 3
        var groups = new[] { Group("a", "b", "c", "d"), Group("a", "a", "a", "a"), Group("a", "A", "a", "A") };
        Assert.Equal(1.75 / 3, GrpoTrainer.DistinctRatio(groups, 4), 12);
        Assert.Equal(0, GrpoTrainer.DistinctRatio([], 4));
    }
}
