namespace Vrm.Data.ShapesWorld;

/// <summary>
/// CLEVR-style counting: all objects, objects of one colour, of one shape, or of one colour–shape pair
/// (the pair questions are where ood's held-out pairs bite). The trace lists the scene, then the count.
/// </summary>
public sealed class CountTask : ITaskFamily
{
    public static readonly string[] TotalPhrasings =
        ["How many objects are there?", "How many shapes are in the image?", "Count the objects."];
    public static readonly string[] ColorPhrasings =
        ["How many {c} objects are there?", "How many {c} shapes are in the image?", "Count the {c} objects."];
    public static readonly string[] ShapePhrasings =
        ["How many {s} are there?", "How many {s} are in the image?", "Count the {s}."];
    public static readonly string[] PairPhrasings =
        ["How many {c} {s} are there?", "How many {c} {s} are in the image?", "Count the {c} {s}."];

    public string Name => TaskNames.Count;

    /// <summary>Scenes drawn per example while looking for the target answer. Scene graphs are cheap (only the kept
    /// one is rendered); the rarest answer, 6 in ood (six of one colour or shape among 7–9 objects), needs hundreds.</summary>
    public const int MaxDraws = 1000;

    /// <summary>
    /// Answers are balanced: a target count is drawn uniformly from 0..max objects of the split, and scenes and
    /// questions are drawn until one has that answer (if none does within <see cref="MaxDraws"/>, the last is kept).
    /// Why: drawn naturally, half the answers were 1 (most colours and shapes appear once in a 1–6-object scene), a
    /// policy answering "1" to everything scored 50 % on test count, and GRPO learned that prior instead of counting.
    /// </summary>
    public TaskItem Make(SceneSampler sampler, string split, SeededRandom rng)
    {
        int target = rng.Next(sampler.ObjectRange(split).Max + 1);
        TaskItem? item = null;
        for (int draw = 0; draw < MaxDraws; draw++)
        {
            (item, int n) = Draw(sampler, split, rng);
            if (n == target) break;
        }
        return item!;
    }

    private (TaskItem Item, int Answer) Draw(SceneSampler sampler, string split, SeededRandom rng)
    {
        var scene = sampler.Shapes(split, rng);
        var seen = SceneText.ListObjects(scene);
        var objects = scene.ObjectsOrEmpty;
        // Mostly ask about something present (an answer of 0 every other time teaches little), sometimes not.
        bool present = rng.Chance(0.8);
        switch (rng.Next(4))
        {
            case 0:
            {
                int n = objects.Count;
                return (new TaskItem(Name, scene, rng.Pick(TotalPhrasings), SceneText.Number(n), $"{seen}; total: {n}"), n);
            }
            case 1:
            {
                var c = present ? rng.Pick(objects).Color : rng.Pick(Palette.All);
                int n = scene.Count(color: c);
                return (new TaskItem(Name, scene, SceneText.Fill(rng.Pick(ColorPhrasings), color: c.Name()),
                    SceneText.Number(n), $"{seen}; {c.Name()}: {n}"), n);
            }
            case 2:
            {
                var s = present ? rng.Pick(objects).Shape : rng.Pick(ShapeNames.All);
                int n = scene.Count(shape: s);
                return (new TaskItem(Name, scene, SceneText.Fill(rng.Pick(ShapePhrasings), shapes: s.Plural()),
                    SceneText.Number(n), $"{seen}; {s.Plural()}: {n}"), n);
            }
            default:
            {
                // Only ask about pairs the split may show: never name a held-out pair in train/test.
                var allowed = sampler.AllowedPairs(split);
                var candidates = present ? objects.Select(o => new ColorShapePair(o.Color, o.Shape)).Where(allowed.Contains).ToList() : [];
                var p = candidates.Count > 0 ? rng.Pick(candidates) : rng.Pick(allowed);
                int n = scene.Count(p.Color, p.Shape);
                return (new TaskItem(Name, scene, SceneText.Fill(rng.Pick(PairPhrasings), color: p.Color.Name(), shapes: p.Shape.Plural()),
                    SceneText.Number(n), $"{seen}; {p.Color.Name()} {p.Shape.Plural()}: {n}"), n);
            }
        }
    }
}
