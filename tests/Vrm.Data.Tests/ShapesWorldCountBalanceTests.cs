using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

/// <summary>
/// Count answers are spread over the whole range, so no constant answer scores well: before balancing, "1" was
/// the answer to half the count questions and a policy that always answered 1 scored 50 % on test.
/// </summary>
public class ShapesWorldCountBalanceTests
{
    private readonly ShapesWorldGenerator _gen = new();

    [Theory]
    [InlineData("train")]
    [InlineData("test")]
    [InlineData("ood")]
    public void Every_count_answer_from_zero_to_the_split_maximum_is_about_equally_common(string split)
    {
        const int n = 1400;
        var max = _gen.Sampler.ObjectRange(split).Max;
        var answers = Enumerable.Range(0, n).Select(i => int.Parse(_gen.MakeItem(7, split, TaskNames.Count, i).Answer)).ToList();
        var share = Enumerable.Range(0, max + 1).ToDictionary(k => k, k => answers.Count(a => a == k) / (double)n);
        double uniform = 1.0 / (max + 1);
        Assert.All(share, kv => Assert.InRange(kv.Value, uniform * 0.6, uniform * 1.4));
        Assert.All(answers, a => Assert.InRange(a, 0, max));
    }
}
