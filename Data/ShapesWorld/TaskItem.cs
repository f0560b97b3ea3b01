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
    /// "blue triangle 1, red circle, blue cross 2": every object in reading order, each one the question asks about
    /// followed by the running count so far. Why: with the plain list, a small LM had to count the matches of a list
    /// it had just written in one step, and failed (session 9: colour questions 15/53 right with 90 % of listed colours
    /// right). With a tally each token needs only the object it follows and the last number, and the answer is the
    /// last number written.
    /// </summary>
    public static string ListCounting(SceneGraph scene, Func<SceneObject, bool> asked)
    {
        int n = 0;
        return string.Join(", ", scene.ObjectsOrEmpty.Select(o => asked(o) ? $"{o.Describe()} {Number(++n)}" : o.Describe()));
    }

    /// <summary>
    /// "blue: red square, blue square 1, blue triangle 2; 2": what is counted, the tallied scene, the count. The label
    /// comes first because it is copied from the question right after the question ends; written last (session 9), the
    /// model named the wrong category in 21 % of test traces, and every tally before it was already made without it.
    /// </summary>
    public static string CountTrace(string label, SceneGraph scene, Func<SceneObject, bool> asked, int n) =>
        $"{label}: {ListCounting(scene, asked)}; {Number(n)}";

    /// <summary>"red 3, blue 7, green 5", left to right.</summary>
    public static string ListBars(SceneGraph scene) => string.Join(", ", scene.BarsOrEmpty.Select(b => $"{b.Color.Name()} {b.Value}"));

    public static string Fill(string template, string? color = null, string? shapes = null, string? color2 = null, string? shapes2 = null) =>
        template.Replace("{c}", color).Replace("{s}", shapes).Replace("{c2}", color2).Replace("{s2}", shapes2);

    public static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
