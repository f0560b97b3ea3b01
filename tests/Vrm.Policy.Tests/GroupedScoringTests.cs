using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>
/// <see cref="Scorer.ScoreGrouped"/> runs each prompt's prefix once for its G completions; it must give what
/// <see cref="Scorer.Score"/> gives over the same rows with every prompt repeated, in values and in gradients.
/// </summary>
public class GroupedScoringTests
{
    private const int G = 3;

    /// <summary>Ragged completions: lengths 1 (only the prefix's last position predicts), 2 and up to 9 tokens.</summary>
    private static int[][] Completions(int prompts)
    {
        var rng = new Random(11);
        return Enumerable.Range(0, prompts * G)
            .Select(r => Enumerable.Range(0, r % G == 0 ? 1 + r % 9 : r % 7 == 1 ? 2 : 4 + r % 6).Select(_ => rng.Next(10, 500)).ToArray())
            .ToArray();
    }

    private static (TokenScores Flat, TokenScores Grouped) Both(VrmModel model, int prompts, bool withGrad, float temperature = 1f)
    {
        var images = TinyModel.Images(prompts);                                // [N, 3, S, S]
        var promptIds = TinyModel.Prompts(prompts);                            // ragged: rows are left-padded differently
        var completions = Completions(prompts);
        var flat = Scorer.Score(model, images.repeat_interleave(G, 0), promptIds.SelectMany(p => Enumerable.Repeat(p, G)).ToArray(),
            completions, withGrad, temperature, TinyModel.Bos, TinyModel.Pad);
        var grouped = Scorer.ScoreGrouped(model, images, promptIds, completions, G, withGrad, temperature, TinyModel.Bos, TinyModel.Pad);
        return (flat, grouped);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.7f)]
    public void Log_probs_entropies_and_mask_equal_the_flat_forward(float temperature)
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var (flat, grouped) = Both(model, prompts: 4, withGrad: false, temperature);
        Assert.Equal(flat.LogProbs.shape, grouped.LogProbs.shape);
        Assert.Equal(flat.Mask.data<float>().ToArray(), grouped.Mask.data<float>().ToArray());
        Assert.True(flat.LogProbs.allclose(grouped.LogProbs, rtol: 0, atol: 2e-5), $"log-probs differ by {(flat.LogProbs - grouped.LogProbs).abs().max().item<float>()}");
        Assert.True(flat.Entropy.allclose(grouped.Entropy, rtol: 0, atol: 2e-5), $"entropies differ by {(flat.Entropy - grouped.Entropy).abs().max().item<float>()}");
        Assert.True(flat.LogProbs.abs().sum().item<float>() > 1, "the comparison saw no log-probs");
    }

    [Theory]
    [InlineData(false)] // the encoder trained too: its gradient comes through G rows per image
    [InlineData(true)]
    public void Gradients_equal_the_flat_forward_s_for_every_parameter(bool frozenVision)
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        if (frozenVision) model.FreezeVision();
        var grads = new List<Dictionary<string, Tensor>>();
        foreach (bool grouped in new[] { false, true })
        {
            model.zero_grad();
            var (flat, g) = Both(model, prompts: 3, withGrad: true);
            var s = grouped ? g : flat;
            // A loss that weights tokens unevenly, so a row or position mixed up between the paths would show.
            var weights = arange(s.LogProbs.numel(), dtype: float32).reshape(s.LogProbs.shape).remainder(5).add(1);
            s.LogProbs.mul(weights).sum().add(s.Entropy.sum()).backward();
            grads.Add(model.named_parameters().Where(p => p.parameter.grad is not null)
                .ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
        }
        Assert.Equal(grads[0].Keys.Order(), grads[1].Keys.Order());
        Assert.Equal(frozenVision, !grads[0].Keys.Any(k => k.StartsWith("vision.")));
        foreach (var (name, flatGrad) in grads[0])
        {
            var diff = (flatGrad - grads[1][name]).abs().max().item<float>();
            var scale = flatGrad.abs().max().item<float>();
            Assert.True(diff <= 1e-4f * Math.Max(1f, scale), $"{name}: gradients differ by {diff} (largest {scale})");
        }
    }

    [Fact]
    public void Bad_shapes_are_refused_by_what_is_wrong()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var prompts = TinyModel.Prompts(2);
        var e = Assert.Throws<ArgumentException>(() => Scorer.ScoreGrouped(model, TinyModel.Images(2), prompts, Completions(2).Take(5).ToArray(), G, false));
        Assert.Contains("5 completions for 2 prompts × 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Scorer.ScoreGrouped(model, TinyModel.Images(3), prompts, Completions(2), G, false));
        Assert.Contains("N = 2 prompts", e.Message);
        var empty = Completions(2); empty[4] = [];
        e = Assert.Throws<ArgumentException>(() => Scorer.ScoreGrouped(model, TinyModel.Images(2), prompts, empty, G, false));
        Assert.Contains("completion 4 is null or empty", e.Message);
    }
}
