using SkiaSharp;

namespace Vrm.Data.ShapesWorld;

/// <summary>
/// The typeface for chart tick labels, loaded from an explicit file. With SkiaSharp's NoDependencies native
/// assets there is no default typeface and DrawText silently draws nothing (FINDINGS.md), and naming the
/// file keeps renders identical on every machine that has the same font package.
/// </summary>
public static class ChartFont
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, SKTypeface> Loaded = new(StringComparer.Ordinal);

    public static SKTypeface Load(string path)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(path, out var cached)) return cached;
            if (!File.Exists(path))
                throw new FileNotFoundException(
                    $"chart font '{path}' not found: install the Debian package fonts-dejavu-core " +
                    "(apt-get install fonts-dejavu-core) or set ShapesWorldOptions.FontPath to a TrueType font", path);
            var face = SKTypeface.FromFile(path)
                       ?? throw new InvalidDataException($"chart font '{path}' is not a font Skia can load (expected a TrueType .ttf)");
            Loaded[path] = face;
            return face;
        }
    }
}
