namespace Vrm.Data.ShapesWorld;

/// <summary>The four shapes of ShapesWorld: chosen to stay distinct at 64×64 even when small (radius 6 px).</summary>
public enum ShapeKind { Circle, Square, Triangle, Cross }

public static class ShapeNames
{
    public static IReadOnlyList<ShapeKind> All { get; } = Enum.GetValues<ShapeKind>();

    public static string Name(this ShapeKind shape) => shape switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Square => "square",
        ShapeKind.Triangle => "triangle",
        ShapeKind.Cross => "cross",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, null),
    };

    public static string Plural(this ShapeKind shape) => shape == ShapeKind.Cross ? "crosses" : shape.Name() + "s";
}
