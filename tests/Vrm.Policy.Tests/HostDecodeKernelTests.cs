using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy.Tests;

/// <summary>The C# pieces of the host decode step compute what the torch modules do, and the host decode loop
/// samples what the torch loop does.</summary>
public unsafe class HostDecodeKernelTests
{
    [Theory]
    [InlineData(64, 128)]
    [InlineData(3, 13)] // dim not a multiple of 8: the scalar tail
    public void RmsNorm_kernel_equals_the_module(int rows, int dim)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        torch.manual_seed(rows + dim);
        var norm = new RmsNorm(dim, 1e-5);
        var gain = norm.parameters().Single();
        gain.uniform_(0.5, 1.5); // not all ones: the gain is applied
        var x = randn(rows, dim) * 3;
        var expected = norm.forward(x).data<float>().ToArray();
        var xs = x.data<float>().ToArray();
        var w = gain.data<float>().ToArray();
        var y = new float[rows * dim];
        fixed (float* xp = xs, wp = w, yp = y) RmsNormKernel.Apply(xp, wp, rows, dim, 1e-5f, yp);
        AssertClose(expected, y, 1e-5f, "rmsnorm");
    }

    [Theory]
    [InlineData(64, 384)]
    [InlineData(2, 13)]
    public void SwiGlu_kernel_equals_silu_times_up(int rows, int hidden)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(rows * hidden);
        var gu = randn(rows, 2 * hidden) * 6;                   // [rows, 2F]
        gu[0, 0] = 80f; gu[0, 1] = -80f;                        // saturated gates: σ → 1 and σ → 0 without overflow
        var expected = (F.silu(gu.narrow(1, 0, hidden)) * gu.narrow(1, hidden, hidden)).contiguous().data<float>().ToArray();
        var src = gu.data<float>().ToArray();
        var act = new float[rows * hidden];
        fixed (float* s = src, a = act) SwiGluKernel.Apply(s, rows, hidden, a);
        AssertClose(expected, act, 1e-5f, "silu·up");
    }

    [Fact]
    public void Host_draw_log_probs_are_the_log_softmax_of_the_drawn_token()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        const int rows = 16, vocab = 100;
        var logits = randn(rows, vocab) * 4;
        foreach (var (t, topP) in new[] { (1f, 1f), (0.7f, 1f), (1.3f, 0.5f), (0f, 1f) })
        {
            var expected = logits.div(t == 0f ? 1f : t).log_softmax(-1).data<float>().ToArray();
            var l = logits.data<float>().ToArray();
            var tok = new int[rows];
            var lp = new float[rows];
            fixed (float* p = l) new HostTokenDraw(9, vocab).Draw(p, rows, vocab, t, topP, tok, lp);
            for (int r = 0; r < rows; r++)
                Assert.True(Math.Abs(expected[r * vocab + tok[r]] - lp[r]) < 1e-5, $"T {t}, top-p {topP}, row {r}: log-prob {lp[r]} vs {expected[r * vocab + tok[r]]}");
            if (t == 0f)
                for (int r = 0; r < rows; r++) Assert.Equal(logits[r].argmax().item<long>(), tok[r]);
        }
    }

    [Theory]
    [InlineData(1f, 3f)]     // full distribution
    [InlineData(0.6f, 3f)]   // a few tokens kept
    [InlineData(0.999f, 0.05f)] // flat logits: nearly all kept
    [InlineData(0.01f, 3f)]  // only the top token
    public void Host_draw_follows_the_nucleus_distribution(float topP, float spread)
    {
        const int vocab = 40, draws = 40_000;
        var rng = new Random(3);
        var logits = Enumerable.Range(0, vocab).Select(_ => (float)(rng.NextDouble() * 2 - 1) * spread).ToArray();
        // Reference: sort descending, keep a token while the mass before it is <= topP, renormalise.
        var p = logits.Select(x => Math.Exp(x - logits.Max())).ToArray();
        double total = p.Sum();
        var expected = new double[vocab];
        double before = 0, kept = 0;
        foreach (var j in Enumerable.Range(0, vocab).OrderByDescending(j => p[j]))
        {
            if (before > topP * total) break;
            expected[j] = p[j];
            before += p[j];
            kept += p[j];
        }
        for (int j = 0; j < vocab; j++) expected[j] /= kept;
        var counts = new int[vocab];
        var draw = new HostTokenDraw(17, vocab);
        var tok = new int[1];
        var lp = new float[1];
        fixed (float* l = logits)
            for (int i = 0; i < draws; i++) { draw.Draw(l, 1, vocab, 1f, topP, tok, lp); counts[tok[0]]++; }
        for (int j = 0; j < vocab; j++)
        {
            if (expected[j] == 0) { Assert.True(counts[j] == 0, $"token {j} outside the nucleus was drawn {counts[j]} times"); continue; }
            double sd = Math.Sqrt(draws * expected[j] * (1 - expected[j]));
            Assert.True(Math.Abs(counts[j] - draws * expected[j]) < 5 * sd + 1, $"token {j}: {counts[j]} draws, expected {draws * expected[j]:F0} ± {sd:F0}");
        }
    }

    /// <summary>Greedy decoding through <see cref="HostDecodeStep"/> gives the torch loop's tokens and log-probs
    /// (sampled rows use another random stream; ScorerTests checks their log-probs against the scorer), with the
    /// projections as <see cref="PackedLinear"/> products (the tiny model's widths are multiples of 16) and as libtorch addmm_.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Host_decode_loop_matches_the_torch_loop_greedy(bool packedMatmul)
    {
        using var scope = NewDisposeScope();
        using var model = TinyModel.Create(seed: 4);
        var images = TinyModel.Images(3);
        var prompts = TinyModel.Prompts(3);
        var p = TinyModel.Params(12, temperature: 0f);
        bool was = Sampler.HostDecode, wasPacked = HostDecodeStep.HostMatmul;
        try
        {
            HostDecodeStep.HostMatmul = packedMatmul;
            Sampler.HostDecode = false;
            var torchLoop = Sampler.Generate(model, images, prompts, 2, p);
            Sampler.HostDecode = true;
            var hostLoop = Sampler.Generate(model, images, prompts, 2, p);
            Assert.Equal(torchLoop.Rows.Count, hostLoop.Rows.Count);
            Assert.True(torchLoop.Rows.Select(r => r.Tokens.Length).Sum() > torchLoop.Rows.Count, "rows stopped at once: the decode steps were not exercised");
            for (int r = 0; r < torchLoop.Rows.Count; r++)
            {
                Assert.Equal(torchLoop.Rows[r].Tokens, hostLoop.Rows[r].Tokens);
                Assert.Equal(torchLoop.Rows[r].Finish, hostLoop.Rows[r].Finish);
                AssertClose(torchLoop.Rows[r].LogProbs, hostLoop.Rows[r].LogProbs, 1e-4f, $"row {r} log-probs");
            }
        }
        finally { Sampler.HostDecode = was; HostDecodeStep.HostMatmul = wasPacked; }
    }

    private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, float tol, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }
}
