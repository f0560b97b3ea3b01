using SkiaSharp;
using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

public class ImageDecoderTests
{
    private static byte[] Encode(RgbImage img, SKEncodedImageFormat format, int quality)
    {
        using var bmp = new SKBitmap(new SKImageInfo(img.Width, img.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                var (r, g, b) = img.Pixel(x, y);
                bmp.SetPixel(x, y, new SKColor(r, g, b));
            }
        using var data = bmp.Encode(format, quality);
        return data.ToArray();
    }

    [Fact]
    public void Jpeg_decodes_to_rgb_close_to_the_original()
    {
        var gen = new ShapesWorldGenerator();
        var item = gen.MakeItem(1, Splits.Train, TaskNames.Count, 2);
        var original = gen.Render(item.Scene);
        var jpeg = Encode(original, SKEncodedImageFormat.Jpeg, 95);
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);

        var decoded = ImageDecoder.Decode(jpeg);

        Assert.Equal((64, 64), (decoded.Width, decoded.Height));
        Assert.Equal(64 * 64 * 3, decoded.Rgb.Length);
        double meanError = original.Rgb.Zip(decoded.Rgb, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 4, $"mean abs error {meanError:0.00} after JPEG q95");
        foreach (var o in item.Scene.ObjectsOrEmpty)
        {
            var (r, g, b) = decoded.Pixel(o.X, o.Y);
            var want = o.Color.Rgb();
            Assert.True(Math.Abs(r - want.R) < 25 && Math.Abs(g - want.G) < 25 && Math.Abs(b - want.B) < 25, $"{o}: got {(r, g, b)}");
        }
    }

    [Fact]
    public void Decode_resizes_on_request()
    {
        var gen = new ShapesWorldGenerator(new ShapesWorldOptions { ImageSize = 128 });
        var png = gen.Generate(1, Splits.Train, TaskNames.Classify, 0).Png;
        var img = ImageDecoder.Decode(png, resizeTo: 64);
        Assert.Equal((64, 64), (img.Width, img.Height));
    }

    [Fact]
    public void Transparent_pixels_composite_over_white()
    {
        using var bmp = new SKBitmap(new SKImageInfo(2, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bmp.SetPixel(0, 0, new SKColor(0, 0, 0, 0));
        bmp.SetPixel(1, 0, new SKColor(255, 0, 0, 255));
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        var img = ImageDecoder.Decode(data.ToArray());
        Assert.Equal(((byte)255, (byte)255, (byte)255), img.Pixel(0, 0));
        Assert.Equal(((byte)255, (byte)0, (byte)0), img.Pixel(1, 0));
    }

    [Fact]
    public void Bad_bytes_and_missing_files_give_clear_errors()
    {
        Assert.Contains("not a recognised image", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode("hello"u8)).Message);
        Assert.Contains("empty", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(ReadOnlySpan<byte>.Empty)).Message);
        var png = new ShapesWorldGenerator().Generate(1, Splits.Train, TaskNames.Count, 0).Png;
        Assert.Contains("damaged", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png.AsSpan(0, png.Length - 30))).Message);
        Assert.Contains("/no/such.png", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode("/no/such.png")).Message);
    }
}
