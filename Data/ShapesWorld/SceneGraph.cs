using System.Text.Json.Serialization;

namespace Vrm.Data.ShapesWorld;

/// <summary>Small or large: radius ≈ 9 % vs 14 % of the image side (6 px vs 9 px at 64×64), clearly apart.</summary>
public enum ObjectSize { Small, Large }

/// <summary>One object on the canvas: what it is and where (centre and radius in pixels).</summary>
public sealed record SceneObject(ShapeKind Shape, ShapeColor Color, ObjectSize Size, int X, int Y, int Radius)
{
    public string Describe() => $"{Color.Name()} {Shape.Name()}";
}

/// <summary>One bar of a bar chart: its colour and integer height.</summary>
public sealed record ChartBar(ShapeColor Color, int Value);

/// <summary>
/// Ground truth of one ShapesWorld image: either shapes on a plain background (<see cref="Objects"/>, in
/// reading order: top row first, left to right) or a bar chart (<see cref="Bars"/>, left to right).
/// Answers, reasoning traces and captions are all computed from this, never from pixels.
/// </summary>
public sealed record SceneGraph
{
    public const string ShapesKind = "shapes";
    public const string ChartKind = "chart";

    /// <summary><see cref="ShapesKind"/> or <see cref="ChartKind"/>.</summary>
    public required string Kind { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SceneObject>? Objects { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChartBar>? Bars { get; init; }
    /// <summary>For charts: the top of the value axis (bars are integers 1..AxisMax).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? AxisMax { get; init; }

    [JsonIgnore] public IReadOnlyList<SceneObject> ObjectsOrEmpty => Objects ?? [];
    [JsonIgnore] public IReadOnlyList<ChartBar> BarsOrEmpty => Bars ?? [];

    public int Count(ShapeColor? color = null, ShapeKind? shape = null) =>
        ObjectsOrEmpty.Count(o => (color is null || o.Color == color) && (shape is null || o.Shape == shape));
}
