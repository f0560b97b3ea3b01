using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

/// <summary>The pixels agree with the scene graph: what the answer counts is what the image shows.</summary>
public class SceneRendererTests
{
    private static bool Near((byte R, byte G, byte B) a, (byte R, byte G, byte B) b, int tol = 12) =>
        Math.Abs(a.R - b.R) <= tol && Math.Abs(a.G - b.G) <= tol && Math.Abs(a.B - b.B) <= tol;

    [Fact]
    public void Each_object_centre_has_the_object_colour_and_the_rest_is_background()
    {
        var gen = new ShapesWorldGenerator();
        for (int i = 0; i < 60; i++)
        {
            var item = gen.MakeItem(21, Splits.Ood, TaskNames.Count, i);
            var img = gen.Render(item.Scene);
            Assert.Equal((64, 64), (img.Width, img.Height));
            foreach (var o in item.Scene.ObjectsOrEmpty)
                Assert.True(Near(img.Pixel(o.X, o.Y), o.Color.Rgb()), $"centre of {o} is {img.Pixel(o.X, o.Y)}");
            // Pixels farther than 1.2 r from every object are background: nothing drawn that the graph lacks.
            for (int y = 0; y < 64; y += 3)
                for (int x = 0; x < 64; x += 3)
                    if (item.Scene.ObjectsOrEmpty.All(o => Math.Sqrt((x - o.X) * (x - o.X) + (y - o.Y) * (y - o.Y)) > 1.2 * o.Radius + 1))
                        Assert.Equal(Palette.Background, img.Pixel(x, y));
        }
    }

    [Fact]
    public void Png_decodes_to_the_same_pixels_as_the_direct_render()
    {
        var gen = new ShapesWorldGenerator();
        var item = gen.MakeItem(2, Splits.Train, TaskNames.Compose, 3);
        var direct = gen.Render(item.Scene);
        var decoded = ImageDecoder.Decode(gen.RenderPng(item.Scene));
        Assert.Equal(direct.Rgb, decoded.Rgb);
    }

    [Fact]
    public void Chart_bars_reach_their_values_and_tick_labels_are_drawn()
    {
        var gen = new ShapesWorldGenerator();
        for (int i = 0; i < 20; i++)
        {
            var item = gen.MakeItem(6, Splits.Train, TaskNames.Chart, i);
            var img = gen.Render(item.Scene);
            // Find each bar by scanning the row just above the x axis for its colour, left to right.
            int baseline = 58;
            var runs = new List<(int X, (byte, byte, byte) Colour)>();
            for (int x = 0; x < 64; x++)
            {
                var p = img.Pixel(x, baseline);
                var match = item.Scene.BarsOrEmpty.FirstOrDefault(b => Near(p, b.Color.Rgb()));
                if (match is not null && (runs.Count == 0 || runs[^1].X != x - 1 || runs[^1].Colour != match.Color.Rgb()))
                    runs.Add((x, match.Color.Rgb()));
                else if (match is not null) runs[^1] = (x, runs[^1].Colour);
            }
            Assert.Equal(item.Scene.BarsOrEmpty.Select(b => b.Color.Rgb()), runs.Select(r => r.Colour));
            // Bar heights are proportional to values: measure the coloured column height of each bar.
            var heights = runs.Select(r => Enumerable.Range(0, 64).Count(y => Near(img.Pixel(r.X, y), r.Colour))).ToList();
            var values = item.Scene.BarsOrEmpty.Select(b => b.Value).ToList();
            for (int a = 0; a < values.Count; a++)
                for (int b = 0; b < values.Count; b++)
                    if (values[a] > values[b]) Assert.True(heights[a] > heights[b], $"bar values {string.Join(",", values)} heights {string.Join(",", heights)}");
            // Tick labels: dark pixels in the left margin (DrawText silently draws nothing without a typeface).
            int dark = 0;
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 10; x++)
                    if (img.Pixel(x, y).R < 100) dark++;
            Assert.True(dark > 20, $"only {dark} dark pixels where tick labels belong");
        }
    }
}
