using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary><see cref="PackedLinear"/> computes what torch's x·Wᵀ (and addmm_ with β = 1) computes.</summary>
public unsafe class PackedLinearTests
{
    [Theory]
    [InlineData(64, 128, 384, false, 1)] // decode qkv
    [InlineData(64, 384, 128, true, 1)]  // decode down + residual
    [InlineData(64, 128, 768, false, 2)] // gate_up, panels split over two workers
    [InlineData(7, 13, 32, true, 2)]     // rows not a multiple of 4, K odd
    [InlineData(1, 5, 16, false, 1)]
    public void Product_equals_torch(int rows, int inFeatures, int outFeatures, bool accumulate, int workers)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(rows + inFeatures + outFeatures);
        var w = randn(outFeatures, inFeatures);                 // [N, K] nn.Linear layout
        var x = randn(rows, inFeatures);                        // [rows, K]
        var y0 = randn(rows, outFeatures);                      // [rows, N] what accumulate adds to
        var expected = (accumulate ? y0 + x.matmul(w.t()) : x.matmul(w.t())).data<float>().ToArray();
        var ws = w.data<float>().ToArray();
        var xs = x.data<float>().ToArray();
        var y = y0.data<float>().ToArray();
        int was = PackedLinear.Workers;
        try
        {
            PackedLinear.Workers = workers;
            fixed (float* wp = ws, xp = xs, yp = y)
            {
                using var packed = new PackedLinear(wp, outFeatures, inFeatures);
                ws.AsSpan().Clear(); // packed once: later changes to the weight are not seen
                packed.Apply(xp, rows, yp, accumulate);
            }
        }
        finally { PackedLinear.Workers = was; }
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-5f * (1 + Math.Abs(expected[i])) * Math.Sqrt(inFeatures), $"y[{i}]: {y[i]} vs {expected[i]}");
    }

    [Fact]
    public void Weight_not_a_multiple_of_16_rows_is_refused_with_a_clear_error()
    {
        Assert.False(PackedLinear.Supports(24, 8));
        var w = new float[24 * 8];
        ArgumentException? e = null;
        fixed (float* wp = w)
            try { using var p = new PackedLinear(wp, 24, 8); }
            catch (ArgumentException caught) { e = caught; }
        Assert.NotNull(e);
        Assert.Contains("multiple of 16", e.Message);
    }
}
