using Vrm.Learner.Evaluation;
using Vrm.Learner.Stages;
using Vrm.Learner.Tests.Fixtures;
using Vrm.Policy;

namespace Vrm.Learner.Tests;

/// <summary>
/// pass@k: the unbiased estimator against hand-computed values, and the sampled evaluation's bookkeeping (per split and
/// task, prompt-major rows, seeded) checked against the counts it must reproduce.
/// </summary>
public class PassAtKTests(TinyRun tiny) : IClassFixture<TinyRun>
{
    [Theory]
    [InlineData(4, 1, 1, 0.25)]          // k = 1 is the share of right samples
    [InlineData(4, 1, 2, 0.5)]           // 1 − C(3,2)/C(4,2) = 1 − 3/6
    [InlineData(4, 2, 2, 5.0 / 6.0)]     // 1 − C(2,2)/C(4,2) = 1 − 1/6
    [InlineData(8, 0, 8, 0.0)]           // nothing right: never
    [InlineData(8, 8, 1, 1.0)]           // everything right: always
    [InlineData(8, 1, 8, 1.0)]           // k = n: right if any sample is
    [InlineData(16, 3, 4, 1.0 - 13.0 * 12 * 11 * 10 / (16.0 * 15 * 14 * 13))] // 1 − C(13,4)/C(16,4)
    public void Estimate_matches_the_closed_form(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);

    [Theory]
    [InlineData(4, 5, 1)]
    [InlineData(4, 1, 0)]
    [InlineData(4, 1, 5)]
    [InlineData(0, 0, 1)]
    public void Estimate_refuses_impossible_counts(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(n, c, k));

    [Fact]
    public void Ks_double_up_to_n() => Assert.Equal([1, 2, 4, 6], PassAtK.Ks(6));

    [Fact]
    public void Sampled_pass_at_k_counts_each_examples_samples_and_is_seeded()
    {
        using var model = PolicyFactory.Create(VrmTokenizer.Default, 3);
        using var set = ExampleSet.Load(tiny.Data, "test", null, model.Config.Vision, VrmTokenizer.Default, PromptTemplate.Default);
        const int n = 4;
        // An untrained model is never right by the real rewards; "right" here is a rule about the text it samples, and the
        // test records every verdict so it can recompute each example's count independently of the row bookkeeping.
        var verdicts = new List<(string Id, bool Right)>();
        bool Rule(string text, Vrm.Data.DatasetExample ex)
        {
            bool right = text.Length % 2 == 0;
            verdicts.Add((ex.Id, right));
            return right;
        }

        // Batches of 2 prompts × 4 samples: several batches, each drawing with its own seed.
        var rows = PassAtK.Run(model, set, VrmTokenizer.Default, 8, n, 1.0, seed: 5, Rule, batchSize: 8);
        var row = Assert.Single(rows);
        Assert.Equal(("test", "count", set.Count, n), (row.Split, row.Task, row.Examples, row.SamplesPerExample));
        Assert.Equal([1, 2, 4], row.PassAt.Keys.Order());
        Assert.Equal(set.Count * n, verdicts.Count);
        var counts = verdicts.GroupBy(v => v.Id).ToDictionary(g => g.Key, g => g.Count(v => v.Right));
        Assert.All(counts.Values, c => Assert.InRange(c, 0, n));
        Assert.Equal(set.Count, counts.Count); // every example got exactly its own n samples
        Assert.Equal(counts.Values.Average(c => c / (double)n), row.PassAt[1], 12);
        Assert.Equal(counts.Values.Average(c => c > 0 ? 1.0 : 0.0), row.PassAt[n], 12);
        Assert.True(row.PassAt[1] <= row.PassAt[2] && row.PassAt[2] <= row.PassAt[4]);

        var first = verdicts.ToList();
        verdicts.Clear();
        PassAtK.Run(model, set, VrmTokenizer.Default, 8, n, 1.0, seed: 5, Rule, batchSize: 8);
        Assert.Equal(first, verdicts); // same seed, same samples
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    public void A_greedy_or_undefined_temperature_is_refused(double temperature)
    {
        using var model = PolicyFactory.Create(VrmTokenizer.Default, 3);
        using var set = ExampleSet.Load(tiny.Data, "test", null, model.Config.Vision, VrmTokenizer.Default, PromptTemplate.Default);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => { PassAtK.Run(model, set, VrmTokenizer.Default, 8, 4, temperature, 1); });
        Assert.Contains("temperature", e.Message);
    }
}
