namespace Vrm.Data;

/// <summary>
/// A decoded image as the learner wants it: <see cref="Width"/> × <see cref="Height"/> pixels, row-major,
/// 3 bytes per pixel (R, G, B), no padding. The learner turns it into a tensor [3, H, W].
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] rgb)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}×{height}");
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Length != width * height * 3)
            throw new ArgumentException($"RGB buffer holds {rgb.Length} bytes; a {width}×{height} image needs {width * height * 3}");
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public int Width { get; }
    public int Height { get; }
    /// <summary>Row-major RGB8: pixel (x, y) channel c is at <c>(y * Width + x) * 3 + c</c>.</summary>
    public byte[] Rgb { get; }

    /// <summary>The (R, G, B) of one pixel; handy in tests and for colour checks.</summary>
    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"pixel ({x}, {y}) is outside a {Width}×{Height} image");
        int i = (y * Width + x) * 3;
        return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
    }
}
