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

    /// <summary>"red 3, blue 7, green 5", left to right.</summary>
    public static string ListBars(SceneGraph scene) => string.Join(", ", scene.BarsOrEmpty.Select(b => $"{b.Color.Name()} {b.Value}"));

    public static string Fill(string template, string? color = null, string? shapes = null, string? color2 = null, string? shapes2 = null) =>
        template.Replace("{c}", color).Replace("{s}", shapes).Replace("{c2}", color2).Replace("{s2}", shapes2);

    public static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
