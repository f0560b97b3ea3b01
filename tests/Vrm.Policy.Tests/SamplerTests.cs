using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

public class SamplerTests
{
    [Fact]
    public void Same_seed_gives_same_samples_and_another_seed_differs()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var images = TinyModel.Images(2);
        var prompts = TinyModel.Prompts(2);
        var a = Sampler.Generate(model, images, prompts, 4, TinyModel.Params(16, seed: 11));
        var b = Sampler.Generate(model, images, prompts, 4, TinyModel.Params(16, seed: 11));
        var c = Sampler.Generate(model, images, prompts, 4, TinyModel.Params(16, seed: 12));
        Assert.Equal(8, a.Rows.Count);
        for (int r = 0; r < a.Rows.Count; r++)
        {
            Assert.Equal(a.Rows[r].Tokens, b.Rows[r].Tokens);
            Assert.Equal(a.Rows[r].LogProbs, b.Rows[r].LogProbs);
            Assert.Equal(a.Rows[r].Finish, b.Rows[r].Finish);
            Assert.Equal(r / 4, a.Rows[r].PromptIndex);
        }
        Assert.Contains(Enumerable.Range(0, 8), r => !a.Rows[r].Tokens.SequenceEqual(c.Rows[r].Tokens));
        // The G samples of one prompt are different draws, not copies.
        Assert.Contains(Enumerable.Range(1, 3), j => !a.Rows[0].Tokens.SequenceEqual(a.Rows[j].Tokens));
    }

    [Fact]
    public void A_stop_token_ends_each_row_and_all_done_exits_early()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var images = TinyModel.Images(2);
        var prompts = TinyModel.Prompts(2);
        var greedy = Sampler.Generate(model, images, prompts, 1, TinyModel.Params(8, temperature: 0f));
        // Make each row's first greedy token a stop token: every row must stop after one token.
        var stops = greedy.Rows.Select(r => r.Tokens[0]).Distinct().ToArray();
        var p = TinyModel.Params(40, temperature: 0f) with { StopTokenIds = stops, EosTokenId = 3, StopCheckInterval = 1 };
        var stopped = Sampler.Generate(model, images, prompts, 1, p);
        foreach (var row in stopped.Rows)
        {
            Assert.Equal(FinishReason.Stop, row.Finish);
            Assert.Single(row.Tokens);
            Assert.Contains(row.Tokens[0], stops);
        }
        Assert.Equal(1, stopped.DecodeSteps);
    }

    [Fact]
    public void Tiny_top_p_is_greedy()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var images = TinyModel.Images(2);
        var prompts = TinyModel.Prompts(2);
        var greedy = Sampler.Generate(model, images, prompts, 2, TinyModel.Params(10, temperature: 0f));
        var nucleus = Sampler.Generate(model, images, prompts, 2, TinyModel.Params(10, temperature: 1f, topP: 1e-4f));
        for (int r = 0; r < 4; r++) Assert.Equal(greedy.Rows[r].Tokens, nucleus.Rows[r].Tokens);
    }

    [Fact]
    public void Bad_inputs_fail_with_a_message_naming_the_problem()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var images = TinyModel.Images(2);
        var e1 = Assert.Throws<ArgumentException>(() => Sampler.Generate(model, images, [[10, 600]], 1, TinyModel.Params(4)));
        Assert.Contains("N = 1", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Sampler.Generate(model, images, [[10], [600]], 1, TinyModel.Params(4)));
        Assert.Contains("600", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Sampler.Generate(model, images, [[10], [11]], 1, TinyModel.Params(4) with { TopP = 0f }));
        Assert.Contains("TopP", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Sampler.Generate(model, images, [[10], [11]], 1, TinyModel.Params(200)));
        Assert.Contains("MaxSeqLen", e4.Message);
    }
}
