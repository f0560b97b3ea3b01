namespace Vrm.Data.ShapesWorld;

/// <summary>
/// Captions from the scene graph, for CLIP-style contrastive pretraining of the vision encoder: they name
/// everything the encoder must learn to see (count, size, colour, shape; bar colours and heights).
/// </summary>
public static class Captions
{
    /// <summary>"3 objects: a large red circle, a small blue square and a small green cross" / "a bar chart of 4 bars: red 3, …".</summary>
    public static string Of(SceneGraph scene)
    {
        if (scene.Kind == SceneGraph.ChartKind)
            return $"a bar chart of {scene.BarsOrEmpty.Count} bars: {SceneText.ListBars(scene)}";
        var parts = scene.ObjectsOrEmpty.Select(o => $"a {(o.Size == ObjectSize.Large ? "large" : "small")} {o.Color.Name()} {o.Shape.Name()}").ToList();
        if (parts.Count == 0) return "an empty picture";
        if (parts.Count == 1) return parts[0];
        var list = string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1];
        return $"{parts.Count} objects: {list}";
    }
}
