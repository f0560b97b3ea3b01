using SkiaSharp;

namespace Vrm.Data.ShapesWorld;

/// <summary>
/// Draws a <see cref="SceneGraph"/>: shapes on a plain background, or a bar chart with a gridded value axis.
/// Pure function of the scene (and the font file): the same scene always gives the same pixels.
/// </summary>
public sealed class SceneRenderer(ShapesWorldOptions options)
{
    public RgbImage Render(SceneGraph scene)
    {
        using var bitmap = Draw(scene);
        return ImageDecoder.FromRgba(bitmap);
    }

    public byte[] RenderPng(SceneGraph scene)
    {
        using var bitmap = Draw(scene);
        using var pixels = bitmap.PeekPixels();
        // Sub filter + zlib 6: measured on 64×64 scenes at about half the CPU of Skia's default PNG settings
        // (0.19 vs 0.36 ms) and slightly smaller files (704 vs 712 bytes) — the encoder dominates generation time.
        using var data = pixels.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 6))
                         ?? throw new InvalidOperationException("Skia failed to encode a PNG");
        return data.ToArray();
    }

    private SKBitmap Draw(SceneGraph scene)
    {
        var bitmap = new SKBitmap(new SKImageInfo(scene.Width, scene.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        var bg = Palette.Background;
        canvas.Clear(new SKColor(bg.R, bg.G, bg.B));
        switch (scene.Kind)
        {
            case SceneGraph.ShapesKind:
                foreach (var o in scene.ObjectsOrEmpty) DrawObject(canvas, o);
                break;
            case SceneGraph.ChartKind:
                DrawChart(canvas, scene);
                break;
            default:
                bitmap.Dispose();
                throw new ArgumentException($"unknown scene kind '{scene.Kind}'");
        }
        canvas.Flush();
        return bitmap;
    }

    private static SKPaint Fill(ShapeColor color)
    {
        var (r, g, b) = color.Rgb();
        return new SKPaint { Color = new SKColor(r, g, b), IsAntialias = true, Style = SKPaintStyle.Fill };
    }

    private static void DrawObject(SKCanvas canvas, SceneObject o)
    {
        using var paint = Fill(o.Color);
        float x = o.X, y = o.Y, r = o.Radius;
        switch (o.Shape)
        {
            case ShapeKind.Circle:
                canvas.DrawCircle(x, y, r, paint);
                break;
            case ShapeKind.Square:
                // Half-side 0.8 r: about the circle's area, so size reads the same across shapes.
                canvas.DrawRect(x - 0.8f * r, y - 0.8f * r, 1.6f * r, 1.6f * r, paint);
                break;
            case ShapeKind.Triangle:
            {
                // Equilateral, scaled 1.15 and shifted down r/4 so its box is centred and fills the radius.
                float s = 1.15f * r, dy = s / 4;
                using var builder = new SKPathBuilder();
                builder.MoveTo(x, y - s + dy);
                builder.LineTo(x + s * 0.8660254f, y + s / 2 + dy);
                builder.LineTo(x - s * 0.8660254f, y + s / 2 + dy);
                builder.Close();
                using var path = builder.Detach();
                canvas.DrawPath(path, paint);
                break;
            }
            case ShapeKind.Cross:
            {
                float arm = 0.95f * r, half = 0.35f * r;
                canvas.DrawRect(x - arm, y - half, 2 * arm, 2 * half, paint);
                canvas.DrawRect(x - half, y - arm, 2 * half, 2 * arm, paint);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(o), o.Shape, "unknown shape");
        }
    }

    private void DrawChart(SKCanvas canvas, SceneGraph scene)
    {
        int axisMax = scene.AxisMax ?? options.ChartAxisMax;
        float w = scene.Width, h = scene.Height;
        // Left margin holds the tick labels; a small top/bottom margin keeps bars off the border.
        float left = MathF.Round(w * 0.2f), right = w - MathF.Round(w * 0.04f);
        float top = MathF.Round(h * 0.06f), bottom = h - MathF.Round(h * 0.06f);
        float unit = (bottom - top) / axisMax;

        using var grid = new SKPaint { Color = new SKColor(200, 200, 200), StrokeWidth = 1, IsAntialias = false };
        using var majorGrid = new SKPaint { Color = new SKColor(150, 150, 150), StrokeWidth = 1, IsAntialias = false };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = false };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var font = new SKFont(ChartFont.Load(options.FontPath), size: MathF.Max(6f, h * 0.14f));
        int labelEvery = axisMax <= 10 ? 3 : 5;   // at 64 px only every third tick has room for a label

        for (int v = 0; v <= axisMax; v++)
        {
            float y = MathF.Round(bottom - v * unit) + 0.5f;
            bool major = v % labelEvery == 0;
            canvas.DrawLine(left, y, right, y, major ? majorGrid : grid);
            if (major)
                canvas.DrawText(v.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    left - 2, y + font.Size * 0.35f, SKTextAlign.Right, font, text);
        }
        canvas.DrawLine(left + 0.5f, top, left + 0.5f, bottom + 0.5f, axis);

        var bars = scene.BarsOrEmpty;
        float slot = (right - left - 1) / Math.Max(1, bars.Count);
        float barWidth = MathF.Max(2, MathF.Round(slot * 0.7f));
        for (int i = 0; i < bars.Count; i++)
        {
            using var paint = Fill(bars[i].Color);
            paint.IsAntialias = false;   // crisp bar tops land exactly on grid lines
            float x0 = MathF.Round(left + 1 + i * slot + (slot - barWidth) / 2);
            float yTop = MathF.Round(bottom - bars[i].Value * unit) + 0.5f;
            canvas.DrawRect(x0, yTop, barWidth, MathF.Round(bottom) + 0.5f - yTop, paint);
        }
    }
}
