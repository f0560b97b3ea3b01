using System.Text.RegularExpressions;
using Vrm.Data;
using Vrm.Data.ShapesWorld;

namespace Vrm.Learner.Evaluation;

/// <summary>
/// Why count answers go wrong, read from the reasoning: a ShapesWorld count trace is
/// <c>&lt;think&gt;colour shape, colour shape, …; label: n&lt;/think&gt;</c>, so a completion can be compared with the
/// gold trace step by step — did it name the category the question asked about, list as many objects as the scene
/// holds, see each object's colour and shape (position by position) — and accuracy split by question kind
/// (total, colour, shape, colour–shape pair). Accuracy alone says how often; this says which skill is missing.
/// </summary>
public sealed record CountTraceDiagnostics(
    int Examples, int Parsed, int LabelNamed, int ObjectCountRight, int Positions, int ColourRight, int ShapeRight,
    IReadOnlyDictionary<string, (int Right, int Total)> ByQuestion, IReadOnlyDictionary<string, int> NamedByQuestion)
{
    public static readonly string[] QuestionKinds = ["total", "colour", "shape", "pair"];

    // Linear-time matching: completions are model output and can hold anything.
    private static readonly Regex Trace = new(@"<think>(?<seen>[^;<]*);\s*(?<label>[a-z ]+):\s*(?<n>\d+)\s*</think>",
        RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
    private static readonly HashSet<string> Colours = Palette.All.Select(c => c.Name()).ToHashSet(StringComparer.Ordinal);

    /// <summary>Examples whose gold reasoning is not a count trace are left out.</summary>
    public static CountTraceDiagnostics Of(IEnumerable<(string Completion, string? GoldReasoning, bool Correct)> items)
    {
        int examples = 0, parsed = 0, labelNamed = 0, countRight = 0, positions = 0, colourRight = 0, shapeRight = 0;
        var byQuestion = QuestionKinds.ToDictionary(k => k, _ => (Right: 0, Total: 0));
        var namedByQuestion = QuestionKinds.ToDictionary(k => k, _ => 0);
        foreach (var (completion, gold, correct) in items)
        {
            if (gold is null || Parse(gold) is not { } g) continue;
            examples++;
            var kind = g.Label == "total" ? "total" : g.Label.Contains(' ') ? "pair" : Colours.Contains(g.Label) ? "colour" : "shape";
            var q = byQuestion[kind];
            byQuestion[kind] = (q.Right + (correct ? 1 : 0), q.Total + 1);
            if (Parse(completion) is not { } c) continue;
            parsed++;
            if (c.Label == g.Label) { labelNamed++; namedByQuestion[kind]++; }
            if (c.Objects.Length == g.Objects.Length) countRight++;
            for (int i = 0; i < Math.Min(c.Objects.Length, g.Objects.Length); i++)
            {
                positions++;
                if (c.Objects[i].Colour == g.Objects[i].Colour) colourRight++;
                if (c.Objects[i].Shape == g.Objects[i].Shape) shapeRight++;
            }
        }
        return new CountTraceDiagnostics(examples, parsed, labelNamed, countRight, positions, colourRight, shapeRight, byQuestion, namedByQuestion);
    }

    /// <summary>The count samples of one evaluation against their examples' gold reasoning; null when none is a count trace.</summary>
    public static CountTraceDiagnostics? Of(IEnumerable<EvalSample> samples, IEnumerable<DatasetExample> examples)
    {
        var gold = examples.ToDictionary(e => e.Id, e => e.Reasoning, StringComparer.Ordinal);
        var d = Of(samples.Where(s => s.Task == TaskNames.Count)
            .Select(s => (s.Completion, gold.GetValueOrDefault(s.Id), s.Correctness >= 1)));
        return d.Examples > 0 ? d : null;
    }

    private static (string Label, (string Colour, string Shape)[] Objects)? Parse(string text)
    {
        var m = Trace.Match(text);
        if (!m.Success) return null;
        var objects = m.Groups["seen"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(o => o.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => w.Length == 2 ? (w[0], w[1]) : (string.Join(' ', w), ""))
            .ToArray();
        return (m.Groups["label"].Value.Trim(), objects);
    }

    private static string Share(int part, int whole) => whole == 0 ? "–" : $"{(double)part / whole:P0}";

    /// <summary>Naming is split by question kind because "total" is the label a weak model writes by default: a 50 %
    /// overall rate can mean every total question and almost no colour question named.</summary>
    public string Describe() =>
        $"{Parsed}/{Examples} traces parsed; asked category named {Share(LabelNamed, Parsed)} (" +
        string.Join(", ", QuestionKinds.Select(k => $"{k} {Share(NamedByQuestion[k], ByQuestion[k].Total)}")) +
        $"); object count listed right {Share(ObjectCountRight, Parsed)}; " +
        $"per listed object: colour {Share(ColourRight, Positions)}, shape {Share(ShapeRight, Positions)}; right by question: " +
        string.Join(", ", QuestionKinds.Select(k => $"{k} {ByQuestion[k].Right}/{ByQuestion[k].Total}"));

    /// <summary>A flat view for JSON (bench results, run folders): shares in [0, 1] and right/total per question kind.</summary>
    public Dictionary<string, object?> ToJsonShape() => new()
    {
        ["examples"] = Examples, ["parsed"] = Parsed,
        ["category_named"] = Ratio(LabelNamed, Parsed),
        ["category_named_by_question"] = QuestionKinds.ToDictionary(k => k, k => Ratio(NamedByQuestion[k], ByQuestion[k].Total)),
        ["object_count_right"] = Ratio(ObjectCountRight, Parsed),
        ["colour_per_object"] = Ratio(ColourRight, Positions), ["shape_per_object"] = Ratio(ShapeRight, Positions),
        ["right_by_question"] = QuestionKinds.ToDictionary(k => k, k => new[] { ByQuestion[k].Right, ByQuestion[k].Total }),
    };

    /// <summary>Every share by name, in a fixed order: the rows of a before/after table.</summary>
    public IEnumerable<(string Name, double? Share)> Shares()
    {
        yield return ("category named", Ratio(LabelNamed, Parsed));
        foreach (var k in QuestionKinds) yield return ($"category named, {k} questions", Ratio(NamedByQuestion[k], ByQuestion[k].Total));
        yield return ("object count listed right", Ratio(ObjectCountRight, Parsed));
        yield return ("colour per listed object", Ratio(ColourRight, Positions));
        yield return ("shape per listed object", Ratio(ShapeRight, Positions));
        foreach (var k in QuestionKinds) yield return ($"accuracy, {k} questions", Ratio(ByQuestion[k].Right, ByQuestion[k].Total));
    }

    private static double? Ratio(int part, int whole) => whole == 0 ? null : (double)part / whole;
}
