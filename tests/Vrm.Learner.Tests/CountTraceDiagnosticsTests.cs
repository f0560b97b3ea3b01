using Vrm.Learner.Evaluation;

namespace Vrm.Learner.Tests;

public class CountTraceDiagnosticsTests
{
    private static string T(string seen, string label, int n) => $"<think>{seen}; {label}: {n}</think><answer>{n}</answer>";

    [Fact]
    public void Each_skill_is_scored_against_the_gold_trace_and_accuracy_is_split_by_question_kind()
    {
        var d = CountTraceDiagnostics.Of(
        [
            // total question, answered from a perfect trace
            (T("red circle, blue square", "total", 2), T("red circle, blue square", "total", 2), true),
            // colour question: right category, one object missed, first object's shape wrong
            (T("red square", "red", 1), T("red circle, red cross", "red", 2), false),
            // shape question: wrong category named, colours right, shapes wrong
            (T("green circle, cyan circle", "circles", 0), T("green cross, cyan cross", "crosses", 2), false),
            // pair question: unparsable completion still counts in accuracy by question
            ("<answer>3</answer>", T("blue triangle, blue triangle, red circle", "blue triangles", 2), false),
            // not a count trace: left out
            ("<think>x</think><answer>y</answer>", "<think>a chart</think><answer>4</answer>", true),
        ]);

        Assert.Equal(4, d.Examples);
        Assert.Equal(3, d.Parsed);
        Assert.Equal(2, d.LabelNamed);
        Assert.Equal(2, d.ObjectCountRight);
        Assert.Equal(5, d.Positions);       // 2 + 1 + 2 objects compared position by position
        Assert.Equal(5, d.ColourRight);
        Assert.Equal(2, d.ShapeRight);
        Assert.Equal((1, 1), d.ByQuestion["total"]);
        Assert.Equal((0, 1), d.ByQuestion["colour"]);
        Assert.Equal((0, 1), d.ByQuestion["shape"]);
        Assert.Equal((0, 1), d.ByQuestion["pair"]);
        Assert.Equal(1, d.NamedByQuestion["total"]);
        Assert.Equal(1, d.NamedByQuestion["colour"]);
        Assert.Equal(0, d.NamedByQuestion["shape"]);
        Assert.Equal(0, d.NamedByQuestion["pair"]);
        Assert.Contains("asked category named 67 % (total 100 %, colour 100 %, shape 0 %, pair 0 %)", d.Describe());
        Assert.Contains("per listed object: colour 100 %, shape 40 %", d.Describe());

        var shares = d.Shares().ToDictionary(x => x.Name, x => x.Share);
        Assert.Equal(2.0 / 3, shares["category named"]!.Value, 12);
        Assert.Equal(0.0, shares["category named, shape questions"]);
        Assert.Equal(0.4, shares["shape per listed object"]!.Value, 12);
        Assert.Equal(1.0, shares["accuracy, total questions"]);
        var json = d.ToJsonShape();
        Assert.Equal(new[] { 1, 1 }, ((Dictionary<string, int[]>)json["right_by_question"]!)["total"]);
        Assert.Equal(1.0, (double?)json["colour_per_object"]);
        Assert.Equal(0.0, ((Dictionary<string, double?>)json["category_named_by_question"]!)["pair"]);
    }

    [Fact]
    public void Eval_samples_are_matched_to_their_gold_trace_by_id_and_only_count_samples_are_read()
    {
        var examples = new[]
        {
            new Vrm.Data.DatasetExample("a", "a.png", "How many objects are there?", "<answer>2</answer>", "count", "test")
                { Reasoning = T("red circle, blue square", "total", 2) },
            new Vrm.Data.DatasetExample("b", "b.png", "How many red objects are there?", "<answer>1</answer>", "count", "test")
                { Reasoning = T("red circle, blue square", "red", 1) },
        };
        var samples = new[]
        {
            new EvalSample("b", "count", "test", T("red circle, blue square", "total", 2), 0, 1, 20), // the default label, not the asked one
            new EvalSample("a", "count", "test", T("red circle, blue square", "total", 2), 1, 1, 20),
            new EvalSample("c", "classify", "test", "<think>x</think><answer>red</answer>", 1, 1, 5),
        };
        var d = CountTraceDiagnostics.Of(samples, examples)!;
        Assert.Equal((2, 2, 1), (d.Examples, d.Parsed, d.LabelNamed));
        Assert.Equal((1, 1), d.ByQuestion["total"]);
        Assert.Equal((0, 1), d.ByQuestion["colour"]);
        Assert.Equal(0, d.NamedByQuestion["colour"]);
        Assert.Null(CountTraceDiagnostics.Of(samples.Skip(2), examples)); // no count sample: nothing to say
    }

    [Fact]
    public void A_completion_that_only_looks_like_a_trace_is_not_parsed()
    {
        var gold = T("red circle", "total", 1);
        var hostile = "<think>" + string.Concat(Enumerable.Repeat("red circle, ", 20_000)) + string.Concat(Enumerable.Repeat(";a a a ", 20_000));
        var d = CountTraceDiagnostics.Of([(hostile, gold, false), ("<think>red circle; total: </think>", gold, false)]);
        Assert.Equal((2, 0), (d.Examples, d.Parsed));
        Assert.Equal((0, 2), d.ByQuestion["total"]);
    }
}
