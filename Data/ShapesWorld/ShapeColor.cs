namespace Vrm.Data.ShapesWorld;

/// <summary>
/// The six colours of ShapesWorld. Cyan rather than orange: at 64 px a tiny encoder separates colours far
/// apart in RGB more easily, and orange sits between red and yellow.
/// </summary>
public enum ShapeColor { Red, Green, Blue, Yellow, Purple, Cyan }

public static class Palette
{
    public static IReadOnlyList<ShapeColor> All { get; } = Enum.GetValues<ShapeColor>();

    /// <summary>Plain light-grey background: every colour above contrasts with it in at least one channel.</summary>
    public static (byte R, byte G, byte B) Background => (230, 230, 230);

    public static string Name(this ShapeColor color) => color switch
    {
        ShapeColor.Red => "red",
        ShapeColor.Green => "green",
        ShapeColor.Blue => "blue",
        ShapeColor.Yellow => "yellow",
        ShapeColor.Purple => "purple",
        ShapeColor.Cyan => "cyan",
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, null),
    };

    public static (byte R, byte G, byte B) Rgb(this ShapeColor color) => color switch
    {
        ShapeColor.Red => (220, 40, 40),
        ShapeColor.Green => (40, 160, 60),
        ShapeColor.Blue => (40, 80, 220),
        ShapeColor.Yellow => (230, 200, 20),
        ShapeColor.Purple => (140, 50, 190),
        ShapeColor.Cyan => (30, 190, 200),
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, null),
    };
}
