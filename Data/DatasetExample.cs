using Vrm.Data.ShapesWorld;

namespace Vrm.Data;

/// <summary>
/// One image–question–answer example, in the R1-V dataset form (DESIGN §6): <c>id</c>, <c>image</c>,
/// <c>problem</c>, <c>solution</c> (<c>&lt;answer&gt;…&lt;/answer&gt;</c>), <c>task</c>, <c>split</c>, plus optional
/// extras ShapesWorld writes. <see cref="ImagePath"/> is absolute once loaded by <see cref="DatasetReader"/>.
/// </summary>
public sealed record DatasetExample(
    string Id,
    string ImagePath,
    string Problem,
    string Solution,
    string Task,
    string Split)
{
    /// <summary>Task name given to lines that carry no <c>task</c> field (plain R1-V files).</summary>
    public const string DefaultTask = "qa";

    /// <summary>Full SFT target <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c>, when the dataset has one.</summary>
    public string? Reasoning { get; init; }
    /// <summary>The caption of the image (for CLIP-style pretraining of the vision encoder), when present.</summary>
    public string? Caption { get; init; }
    /// <summary>The ground-truth scene graph, for ShapesWorld examples.</summary>
    public SceneGraph? Scene { get; init; }

    /// <summary>The plain answer inside <see cref="Solution"/> (what rewards compare against).</summary>
    public string Answer => AnswerOf(Solution);

    /// <summary>
    /// The plain answer in a solution: the trimmed text inside the last <c>&lt;answer&gt;…&lt;/answer&gt;</c>; a solution
    /// without answer tags is taken whole (trimmed), as some datasets store bare answers. Empty when there is none.
    /// </summary>
    public static string AnswerOf(string? solution)
    {
        if (string.IsNullOrEmpty(solution)) return "";
        const string open = "<answer>", close = "</answer>";
        int start = solution.LastIndexOf(open, StringComparison.Ordinal);
        if (start < 0)
            return solution.Contains(close, StringComparison.Ordinal) || solution.Contains("<think>", StringComparison.Ordinal)
                ? "" : solution.Trim();
        start += open.Length;
        int end = solution.IndexOf(close, start, StringComparison.Ordinal);
        return (end < 0 ? "" : solution[start..end]).Trim();
    }

    /// <summary>Wraps a plain answer as a solution: <c>&lt;answer&gt;3&lt;/answer&gt;</c>.</summary>
    public static string SolutionOf(string answer) => $"<answer>{answer}</answer>";
}
