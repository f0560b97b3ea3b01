using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

public class ScorerTests
{
    [Theory]
    [InlineData(1f)]   // plain sampling
    [InlineData(0.9f)] // top-p narrows the draw, not the reported distribution
    public void Sampler_log_probs_equal_the_scorer_s_for_the_same_tokens(float topP)
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var images = TinyModel.Images(3);
        var prompts = TinyModel.Prompts(3);
        const int g = 2;
        var batch = Sampler.Generate(model, images, prompts, g, TinyModel.Params(14, topP: topP));
        var rowImages = images.repeat_interleave(g, 0);
        var rowPrompts = batch.Rows.Select(r => prompts[r.PromptIndex]).ToArray();
        var completions = batch.Rows.Select(r => r.Tokens).ToArray();
        using var scores = Scorer.Score(model, rowImages, rowPrompts, completions, withGrad: false);
        var lp = scores.LogProbs.data<float>().ToArray();
        var mask = scores.Mask.data<float>().ToArray();
        int t = (int)scores.LogProbs.shape[1];
        for (int r = 0; r < batch.Rows.Count; r++)
        {
            var row = batch.Rows[r];
            for (int j = 0; j < t; j++)
            {
                Assert.Equal(j < row.Tokens.Length ? 1f : 0f, mask[r * t + j]);
                if (j < row.Tokens.Length) Assert.Equal(row.LogProbs[j], lp[r * t + j], 1e-4f);
            }
        }
    }

    [Fact]
    public void Entropy_is_positive_and_at_most_log_vocab()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        using var s = Scorer.Score(model, TinyModel.Images(2), TinyModel.Prompts(2), [[20, 21, 22], [30]], withGrad: false);
        var ent = s.Entropy.data<float>().ToArray(); // [2, 3]
        foreach (int i in new[] { 0, 1, 2, 3 }) Assert.InRange(ent[i], 1e-3f, MathF.Log(TinyModel.Vocab) + 1e-4f);
        Assert.Equal(0f, ent[4]);
        Assert.Equal(0f, ent[5]);
    }
}
