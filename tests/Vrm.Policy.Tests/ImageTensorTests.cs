using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

public class ImageTensorTests
{
    private static readonly VisionConfig Cfg = new() { ImageSize = 4, PatchSize = 2, Dim = 8, Heads = 2 };

    [Fact]
    public void Rgb_bytes_become_chw_floats_in_0_to_1()
    {
        var rgb = new byte[4 * 4 * 3];
        rgb[0] = 255; rgb[1] = 0; rgb[2] = 51;          // pixel (0,0)
        rgb[3 * 5 + 1] = 102;                           // pixel (y=1, x=1) green
        using var t = ImageTensor.FromRgb(rgb, 4, 4, Cfg);
        Assert.Equal(new long[] { 3, 4, 4 }, t.shape);
        Assert.Equal(1f, t[0, 0, 0].item<float>());
        Assert.Equal(0.2f, t[2, 0, 0].item<float>(), 1e-6f);
        Assert.Equal(0.4f, t[1, 1, 1].item<float>(), 1e-6f);
        Assert.Equal(0f, t[0, 1, 1].item<float>());
    }

    [Fact]
    public void Other_sizes_are_resized_and_batched()
    {
        var big = Enumerable.Repeat((byte)128, 8 * 6 * 3).ToArray();
        var small = Enumerable.Repeat((byte)255, 2 * 2 * 3).ToArray();
        using var batch = ImageTensor.Batch([(big, 8, 6), (small, 2, 2)], Cfg);
        Assert.Equal(new long[] { 2, 3, 4, 4 }, batch.shape);
        Assert.True(batch[0].sub(128f / 255f).abs().max().item<float>() < 1e-5);
        Assert.True(batch[1].sub(1f).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void A_batch_equals_its_images_converted_one_by_one_in_order()
    {
        var rng = new Random(5);
        byte[] Bytes(int w, int h) { var b = new byte[w * h * 3]; rng.NextBytes(b); return b; }
        (byte[], int, int)[] images = [(Bytes(4, 4), 4, 4), (Bytes(6, 8), 6, 8), (Bytes(4, 4), 4, 4), (Bytes(4, 4), 4, 4)];
        using var batch = ImageTensor.Batch(images, Cfg);                                 // [4, 3, 4, 4]
        Assert.Equal(new long[] { 4, 3, 4, 4 }, batch.shape);
        for (int i = 0; i < images.Length; i++)
        {
            using var one = ImageTensor.FromRgb(images[i].Item1, images[i].Item2, images[i].Item3, Cfg);
            using var row = batch[i];
            Assert.True(row.allclose(one, rtol: 0, atol: 0), $"image {i} differs from its one-by-one conversion");
        }
    }

    [Fact]
    public void Bytes_are_kept_only_when_every_image_is_at_the_encoder_size()
    {
        var rng = new Random(6);
        byte[] Bytes(int w, int h) { var b = new byte[w * h * 3]; rng.NextBytes(b); return b; }
        (byte[], int, int)[] same = [(Bytes(4, 4), 4, 4), (Bytes(4, 4), 4, 4)];
        var pixels = ImageTensor.ChwBytes(same, Cfg);
        Assert.NotNull(pixels);
        Assert.Equal(2 * 3 * 4 * 4, pixels!.Length);
        using var floats = ImageTensor.Batch(same, Cfg);
        using var back = ImageTensor.FromChwBytes(pixels, [1, 0], 4);                      // [2, 3, 4, 4]
        using var idx = tensor(new long[] { 1, 0 });
        using var want = floats.index_select(0, idx);
        Assert.True(back.allclose(want, rtol: 0, atol: 0));
        Assert.Null(ImageTensor.ChwBytes([(Bytes(4, 4), 4, 4), (Bytes(6, 8), 6, 8)], Cfg));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageTensor.FromChwBytes(pixels, [2], 4));
        Assert.Throws<ArgumentException>(() => ImageTensor.FromChwBytes(new byte[47], [0], 4));
    }

    [Fact]
    public void A_short_buffer_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageTensor.FromRgb(new byte[10], 4, 4, Cfg));
        Assert.Contains("48", e.Message);
    }
}
