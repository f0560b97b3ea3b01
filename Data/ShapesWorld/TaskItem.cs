namespace Vrm.Data.ShapesWorld;

/// <summary>
/// One generated question about one scene: the phrasing, the plain answer, and the short reasoning
/// (the <c>&lt;think&gt;</c> body: what was seen, then the computation) used as the SFT target.
/// </summary>
public sealed record TaskItem(string Task, SceneGraph Scene, string Problem, string Answer, string Think)
{
    public string Solution => DatasetExample.SolutionOf(Answer);
    public string Reasoning => $"<think>{Think}</think><answer>{Answer}</answer>";
}

/// <summary>A task family: draws a scene suited to its questions and asks one of them.</summary>
public interface ITaskFamily
{
    string Name { get; }
    TaskItem Make(SceneSampler sampler, string split, SeededRandom rng);
}

/// <summary>Text pieces the families share, so every trace lists a scene the same way.</summary>
internal static class SceneText
{
    /// <summary>"red circle, red square, blue triangle" in reading order.</summary>
    public static string ListObjects(SceneGraph scene) => string.Join(", ", scene.ObjectsOrEmpty.Select(o => o.Describe()));

    /// <summary>
    /// "1 red circle, 2 -, 3 blue cross, …": every cell of the scene's <paramref name="side"/> × <paramref name="side"/>
    /// grid in reading order, numbered from 1, "-" when empty. Why the grid and not a list of the objects: to list
    /// objects the LM must find "the next object" anywhere in the image, and the small LM lost its place (lists of the
    /// same object repeated, objects skipped); walking numbered cells asks it to look at one known place per step.
    /// </summary>
    public static string GridCells(SceneGraph scene, int side)
    {
        var cells = new string?[side * side];
        foreach (var o in scene.ObjectsOrEmpty)
        {
            int col = Math.Clamp(o.X * side / scene.Width, 0, side - 1), row = Math.Clamp(o.Y * side / scene.Height, 0, side - 1);
            int i = row * side + col;
            if (cells[i] is not null) throw new InvalidOperationException($"two objects in grid cell {i + 1} of {side}×{side}");
            cells[i] = o.Describe();
        }
        return string.Join(", ", cells.Select((c, i) => $"{i + 1} {c ?? EmptyCell}"));
    }

    /// <summary>What <see cref="GridCells"/> writes for a cell with no object.</summary>
    public const string EmptyCell = "-";

    /// <summary>"red 3, blue 7, green 5", left to right.</summary>
    public static string ListBars(SceneGraph scene) => string.Join(", ", scene.BarsOrEmpty.Select(b => $"{b.Color.Name()} {b.Value}"));

    public static string Fill(string template, string? color = null, string? shapes = null, string? color2 = null, string? shapes2 = null) =>
        template.Replace("{c}", color).Replace("{s}", shapes).Replace("{c2}", color2).Replace("{s2}", shapes2);

    public static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
