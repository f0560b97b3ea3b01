using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>The KV-cache decode path computes the same thing as recomputing the whole sequence.</summary>
public class CachedDecodingTests
{
    [Fact]
    public void Greedy_cached_decoding_equals_full_recomputation()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        var images = TinyModel.Images(3);
        var prompts = TinyModel.Prompts(3);
        const int maxNew = 12;
        var sampled = Sampler.Generate(model, images, prompts, 1, TinyModel.Params(maxNew, temperature: 0f));

        // Naive: every step re-runs the full left-padded sequence (no cache) and takes the argmax.
        var generated = prompts.Select(_ => new List<int>()).ToArray();
        using (no_grad())
        {
            for (int step = 0; step < maxNew; step++)
            {
                // The trailing pad is a placeholder target: logits[:, step] predict the next token.
                var completions = generated.Select(g => g.Append(TinyModel.Pad).ToArray()).ToArray();
                using var layout = model.Layout(prompts, completions, TinyModel.Bos, TinyModel.Pad);
                var logits = model.Forward(images, layout);                 // [N, step+1, V]
                var next = logits.select(1, step).argmax(-1).data<long>().ToArray();
                for (int r = 0; r < prompts.Length; r++) generated[r].Add((int)next[r]);
            }
        }
        for (int r = 0; r < prompts.Length; r++)
        {
            var row = sampled.Rows[r];
            Assert.Equal(generated[r].Take(row.Tokens.Length), row.Tokens);
            if (row.Finish == FinishReason.Length) Assert.Equal(maxNew, row.Tokens.Length);
        }
        Assert.True(sampled.Rows.Sum(r => r.Tokens.Length) >= maxNew, "nothing to compare: every row stopped at once");
    }
}
