using SkiaSharp;

namespace Vrm.Data;

/// <summary>
/// Decodes PNG / JPEG (and whatever else Skia's codecs read: WebP, GIF, BMP) into <see cref="RgbImage"/>.
/// Transparent pixels are composited over white, because the datasets we read draw on light backgrounds.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Refuse images larger than this many pixels: a crafted header must not make us allocate gigabytes.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    public static RgbImage Decode(string path, int? resizeTo = null)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ImageDecodeException($"cannot read image file '{path}': {e.Message}", e);
        }
        try { return Decode(bytes, resizeTo); }
        catch (ImageDecodeException e) { throw new ImageDecodeException($"'{path}': {e.Message}", e); }
    }

    /// <summary>Decodes encoded image bytes; with <paramref name="resizeTo"/> the result is resized to that square size.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded, int? resizeTo = null)
    {
        if (encoded.IsEmpty) throw new ImageDecodeException("image data is empty");
        if (resizeTo is <= 0) throw new ArgumentOutOfRangeException(nameof(resizeTo), "resize target must be positive");
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null) throw new ImageDecodeException("not a recognised image format (PNG, JPEG, WebP, GIF, BMP)");
        var size = codec.Info;
        if (size.Width <= 0 || size.Height <= 0) throw new ImageDecodeException($"image has no pixels ({size.Width}×{size.Height})");
        if ((long)size.Width * size.Height > MaxPixels)
            throw new ImageDecodeException($"image is {size.Width}×{size.Height}, more than the {MaxPixels} pixels allowed");

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        // IncompleteInput still yields a partly filled image; a truncated file is a fault, not a picture.
        if (result != SKCodecResult.Success)
            throw new ImageDecodeException($"image data is damaged ({result}) in a {codec.EncodedFormat} of {size.Width}×{size.Height}");

        if (resizeTo is int side && (side != size.Width || side != size.Height))
        {
            using var resized = bitmap.Resize(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            if (resized is null) throw new ImageDecodeException($"could not resize a {size.Width}×{size.Height} image to {side}×{side}");
            return FromRgba(resized);
        }
        return FromRgba(bitmap);
    }

    /// <summary>Copies an RGBA8888 unpremultiplied bitmap into RGB8, compositing alpha over white.</summary>
    internal static RgbImage FromRgba(SKBitmap bitmap)
    {
        if (bitmap.ColorType != SKColorType.Rgba8888)
            throw new ArgumentException($"expected an Rgba8888 bitmap, got {bitmap.ColorType}");
        int w = bitmap.Width, h = bitmap.Height;
        var rgba = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        bool premul = bitmap.AlphaType == SKAlphaType.Premul;
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            var row = rgba.Slice(y * rowBytes, w * 4);
            int o = y * w * 3;
            for (int x = 0; x < w; x++)
            {
                int a = row[x * 4 + 3];
                for (int c = 0; c < 3; c++)
                {
                    int v = row[x * 4 + c];
                    if (a != 255)
                    {
                        // Over white: out = v·a + 255·(1 − a) (premultiplied v already carries the ·a).
                        int fg = premul ? v : (v * a + 127) / 255;
                        v = fg + (255 * (255 - a) + 127) / 255;
                    }
                    rgb[o + x * 3 + c] = (byte)Math.Min(255, v);
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }
}
