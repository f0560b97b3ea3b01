using System.Text.RegularExpressions;
using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

/// <summary>
/// Every answer must agree with its scene graph. The test reads the question itself (which colours and shapes
/// it names, "more" vs "altogether") and recounts from the scene, independently of the task families' code.
/// </summary>
public class ShapesWorldAnswerTests
{
    private static readonly string[] ColorWords = ["red", "green", "blue", "yellow", "purple", "cyan"];
    private static readonly string[] ShapeWords = ["circles", "squares", "triangles", "crosses"];
    private static readonly string[] ShapeSingular = ["circle", "square", "triangle", "cross"];

    private static List<string> Mentioned(string problem, string[] words) =>
        words.Select(w => (w, at: Regex.Match(problem, $@"\b{w}\b")))
            .Where(x => x.at.Success).OrderBy(x => x.at.Index).Select(x => x.w).ToList();

    private static int CountIn(SceneGraph s, string? color, string? shapePlural) =>
        s.ObjectsOrEmpty.Count(o =>
            (color is null || o.Color.ToString().Equals(color, StringComparison.OrdinalIgnoreCase)) &&
            (shapePlural is null || ShapeSingular[Array.IndexOf(ShapeWords, shapePlural)] == o.Shape.ToString().ToLowerInvariant()));

    private static int Expected(string task, TaskItem item)
    {
        var scene = item.Scene;
        var colors = Mentioned(item.Problem, ColorWords);
        var shapes = Mentioned(item.Problem, ShapeWords);
        switch (task)
        {
            case TaskNames.Count:
                Assert.True(colors.Count <= 1 && shapes.Count <= 1, item.Problem);
                return CountIn(scene, colors.SingleOrDefault(), shapes.SingleOrDefault());
            case TaskNames.Compose:
            {
                bool more = item.Problem.Contains(" more ");
                bool sum = item.Problem.Contains("altogether") || item.Problem.Contains("total");
                Assert.True(more ^ sum, $"cannot tell difference from sum: {item.Problem}");
                var (a, b) = colors.Count == 2
                    ? (CountIn(scene, colors[0], null), CountIn(scene, colors[1], null))
                    : (CountIn(scene, null, shapes[0]), CountIn(scene, null, shapes[1]));
                Assert.True(colors.Count == 2 && shapes.Count == 0 || shapes.Count == 2 && colors.Count == 0, item.Problem);
                if (more) Assert.True(a >= b, $"negative difference asked: {item.Problem}");
                return more ? a - b : a + b;
            }
            case TaskNames.Chart:
                return scene.BarsOrEmpty.Select(b => b.Value).Max() - scene.BarsOrEmpty.Select(b => b.Value).Min();
            default:
                throw new ArgumentException(task);
        }
    }

    [Theory]
    [InlineData("count")]
    [InlineData("compose")]
    [InlineData("chart")]
    public void Numeric_answers_match_a_recount_from_the_scene_graph(string task)
    {
        var gen = new ShapesWorldGenerator();
        foreach (var split in Splits.All)
            for (int i = 0; i < 400; i++)
            {
                var item = gen.MakeItem(11, split, task, i);
                Assert.Equal(Expected(task, item).ToString(), item.Answer);
            }
    }

    [Fact]
    public void Classify_answers_are_the_shape_of_the_single_object()
    {
        var gen = new ShapesWorldGenerator();
        foreach (var split in Splits.All)
            for (int i = 0; i < 200; i++)
            {
                var item = gen.MakeItem(5, split, TaskNames.Classify, i);
                Assert.Equal(item.Scene.ObjectsOrEmpty.Single().Shape.ToString().ToLowerInvariant(), item.Answer);
                Assert.Contains("shape", item.Problem);
            }
    }

    [Fact]
    public void Reasoning_is_think_then_answer_and_lists_what_the_scene_holds()
    {
        var gen = new ShapesWorldGenerator();
        var pattern = new Regex(@"^<think>([^<]+)</think><answer>([^<]+)</answer>$");
        foreach (var task in TaskNames.All)
            for (int i = 0; i < 100; i++)
            {
                var e = gen.Generate(8, Splits.Test, task, i).Example;
                var m = pattern.Match(e.Reasoning!);
                Assert.True(m.Success, e.Reasoning);
                Assert.Equal(e.Answer, m.Groups[2].Value);
                Assert.Equal($"<answer>{e.Answer}</answer>", e.Solution);
                var think = m.Groups[1].Value;
                if (task is TaskNames.Count or TaskNames.Compose)
                    Assert.StartsWith(string.Join(", ", e.Scene!.ObjectsOrEmpty.Select(o => $"{o.Color} {o.Shape}".ToLowerInvariant())) + ";", think);
                if (task == TaskNames.Chart)
                    Assert.StartsWith(string.Join(", ", e.Scene!.BarsOrEmpty.Select(b => $"{b.Color.ToString().ToLowerInvariant()} {b.Value}")) + ";", think);
                // The arithmetic written in the trace is right.
                var op = Regex.Match(think, @"(\d+) ([-+]) (\d+) = (\d+)$");
                if (op.Success)
                {
                    int x = int.Parse(op.Groups[1].Value), y = int.Parse(op.Groups[3].Value);
                    Assert.Equal(op.Groups[2].Value == "+" ? x + y : x - y, int.Parse(op.Groups[4].Value));
                }
            }
    }

    [Fact]
    public void Captions_name_every_object_with_its_size()
    {
        var gen = new ShapesWorldGenerator();
        for (int i = 0; i < 50; i++)
        {
            var item = gen.MakeItem(4, Splits.Train, TaskNames.Count, i);
            var caption = Captions.Of(item.Scene);
            foreach (var o in item.Scene.ObjectsOrEmpty)
                Assert.Contains($"{o.Size} {o.Color} {o.Shape}".ToLowerInvariant(), caption);
            if (item.Scene.ObjectsOrEmpty.Count > 1) Assert.StartsWith($"{item.Scene.ObjectsOrEmpty.Count} objects:", caption);
        }
        var chart = gen.MakeItem(4, Splits.Train, TaskNames.Chart, 0);
        Assert.StartsWith($"a bar chart of {chart.Scene.BarsOrEmpty.Count} bars: ", Captions.Of(chart.Scene));
    }
}
