using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>The sampler's inverse-CDF draw must be the categorical distribution it replaced multinomial with.</summary>
public class CategoricalDrawTests
{
    [Fact]
    public void Frequencies_match_the_weights_and_zero_weights_are_never_drawn()
    {
        // Unnormalised weights with zeros at the start, middle and end (top-p leaves a zero tail).
        float[] w = [0f, 2f, 0f, 5f, 1f, 0.5f, 1.5f, 0f];
        const int rows = 40_000;
        using var weights = tensor(w).unsqueeze(0).repeat(rows, 1);   // [rows, V]
        using var gen = new Generator(11);
        using var draws = Sampler.DrawCategorical(weights, gen);        // [rows, 1]
        var ids = draws.data<long>().ToArray();
        Assert.Equal(rows, ids.Length);
        float total = w.Sum();
        for (int j = 0; j < w.Length; j++)
        {
            int count = ids.Count(i => i == j);
            if (w[j] == 0f) { Assert.Equal(0, count); continue; }
            double p = w[j] / total, expected = rows * p, sigma = Math.Sqrt(rows * p * (1 - p));
            Assert.True(Math.Abs(count - expected) < 5 * sigma, $"token {j}: drew {count}, expected {expected:F0} ± {sigma:F0}");
        }
    }

    [Fact]
    public void Same_generator_seed_gives_the_same_draws_and_a_single_positive_weight_always_wins()
    {
        using var logits = randn(64, 512, generator: new Generator(3));
        using var probs = logits.softmax(-1);
        using var a = Sampler.DrawCategorical(probs, new Generator(5));
        using var b = Sampler.DrawCategorical(probs, new Generator(5));
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());

        using var oneHot = zeros(64, 512);
        oneHot.narrow(1, 511, 1).fill_(0.25f);                          // only the last token has mass
        using var d = Sampler.DrawCategorical(oneHot, new Generator(7));
        Assert.All(d.data<long>().ToArray(), i => Assert.Equal(511L, i));
    }
}
