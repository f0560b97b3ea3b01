using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>The fused C# decode step (rotary + cache write + shared-prefix attention) computes what the torch path does.</summary>
public class DecodeAttentionKernelTests
{
    private const int MaxNew = 7, Layers = 2, Layer = 1;

    [Theory]
    // prompts, group, generated length Lg (this step's token included), heads, head dim, prefix length T0
    [InlineData(3, 1, 1, 2, 32, 11)]       // G = 1, Lg = 1 (first decode step)
    [InlineData(3, 4, 1, 2, 32, 11)]       // G > 1, Lg = 1
    [InlineData(2, 1, MaxNew, 2, 32, 11)]  // G = 1, Lg = maxNew (last slot)
    [InlineData(2, 4, MaxNew, 4, 32, 13)]  // G > 1, Lg = maxNew
    [InlineData(2, 3, 4, 3, 12, 9)]        // head dim not a multiple of 8: the scalar tails
    public void Kernel_equals_torch_path(int prompts, int group, int lg, int heads, int headDim, int t0)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        torch.manual_seed(11 + lg + group);
        int dim = heads * headDim;
        long rows = (long)prompts * group;
        var attn = new CausalSelfAttention(dim, heads);
        var rotary = new Rotary(headDim, 64, 10000);
        // Left pads differ per prompt (prompt 0 none), as the sampler's prefix key mask hides them.
        var pads = Enumerable.Range(0, prompts).Select(p => (p * 3) % (t0 - 1)).ToArray();
        var mask = zeros(prompts, 1, 1, t0);
        for (int p = 0; p < prompts; p++) mask[p, 0, 0, TensorIndex.Slice(0, pads[p])].fill_(float.NegativeInfinity);
        Assert.True(pads.Skip(1).Any(x => x > 0), "no prompt is padded: the mask is not exercised");

        using var reference = NewFilledCache(prompts, group, heads, t0, headDim, lg - 1);
        using var fused = NewFilledCache(prompts, group, heads, t0, headDim, lg - 1);
        var x = randn(rows, 1, dim);
        long position = t0 + lg - 1;

        attn.FusedCpuDecode = false;
        var expected = attn.Forward(x, rotary, mask, reference, Layer, position); // [NG, 1, D]
        attn.FusedCpuDecode = true;
        var actual = attn.Forward(x, rotary, mask, fused, Layer, position);

        Assert.Equal(expected.shape, actual.shape);
        AssertClose(expected, actual, "attention output");
        // The kernel also wrote this token's rotated key and its value into the cache.
        var (ke, ve) = reference.Generated(Layer, lg);
        var (ka, va) = fused.Generated(Layer, lg);
        AssertClose(ke, ka, "cached keys");
        AssertClose(ve, va, "cached values");
    }

    [Fact]
    public void Kernel_equals_torch_path_without_mask()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        torch.manual_seed(5);
        var attn = new CausalSelfAttention(64, 2);
        var rotary = new Rotary(32, 64, 10000);
        using var reference = NewFilledCache(2, 3, 2, 10, 32, 2);
        using var fused = NewFilledCache(2, 3, 2, 10, 32, 2);
        var x = randn(6, 1, 64);
        attn.FusedCpuDecode = false;
        var expected = attn.Forward(x, rotary, null, reference, Layer, 12);
        attn.FusedCpuDecode = true;
        AssertClose(expected, attn.Forward(x, rotary, null, fused, Layer, 12), "attention output");
    }

    [Fact]
    public void Bad_inputs_name_what_is_wrong()
    {
        using var scope = NewDisposeScope();
        var rotary = new Rotary(32, 64, 10000);
        using var cache = NewFilledCache(2, 2, 2, 5, 32, 0);
        var overflow = Assert.Throws<InvalidOperationException>(() => DecodeAttentionKernel.Step(zeros(4, 1, 192), rotary, cache, 0, 5 + MaxNew, null, 2, 32));
        Assert.Contains("overflow", overflow.Message);
        var shape = Assert.Throws<ArgumentException>(() => DecodeAttentionKernel.Step(zeros(3, 1, 192), rotary, cache, 0, 5, null, 2, 32));
        Assert.Contains("[4, 1, 192]", shape.Message);
        var mask = Assert.Throws<ArgumentException>(() => DecodeAttentionKernel.Step(zeros(4, 1, 192), rotary, cache, 0, 5, zeros(2, 1, 1, 4), 2, 32));
        Assert.Contains("prefix mask", mask.Message);
        var dtype = Assert.Throws<ArgumentException>(() => DecodeAttentionKernel.Step(zeros(4, 1, 192, dtype: float64), rotary, cache, 0, 5, null, 2, 32));
        Assert.Contains("float32", dtype.Message);
    }

    /// <summary>A cache with random prefix keys/values and <paramref name="written"/> random generated slots (same seed → same contents).</summary>
    private static KvCache NewFilledCache(int prompts, int group, int heads, int t0, int headDim, int written)
    {
        var cache = new KvCache(Layers, prompts, group, heads, t0, MaxNew, headDim, CPU);
        using var g = new Generator(99);
        for (int l = 0; l < Layers; l++)
        {
            using var prefix = randn([2, prompts, heads, t0, headDim], generator: g);
            cache.WritePrefix(l, prefix);
            for (int j = 0; j < written; j++)
            {
                using var kv = randn([2, (long)prompts * group, heads, 1, headDim], generator: g);
                cache.WriteGenerated(l, kv, j);
            }
        }
        return cache;
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= 1e-5, $"{what}: max |torch − kernel| = {diff:E2} > 1e-5");
        Assert.True(expected.abs().max().item<float>() > 1e-3, $"{what}: reference is all ~0, nothing compared");
    }
}
