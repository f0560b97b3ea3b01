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

    public TaskItem Make(SceneSampler sampler, string split, SeededRandom rng)
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
                return new TaskItem(Name, scene, rng.Pick(TotalPhrasings), SceneText.Number(n), $"{seen}; total: {n}");
            }
            case 1:
            {
                var c = present ? rng.Pick(objects).Color : rng.Pick(Palette.All);
                int n = scene.Count(color: c);
                return new TaskItem(Name, scene, SceneText.Fill(rng.Pick(ColorPhrasings), color: c.Name()),
                    SceneText.Number(n), $"{seen}; {c.Name()}: {n}");
            }
            case 2:
            {
                var s = present ? rng.Pick(objects).Shape : rng.Pick(ShapeNames.All);
                int n = scene.Count(shape: s);
                return new TaskItem(Name, scene, SceneText.Fill(rng.Pick(ShapePhrasings), shapes: s.Plural()),
                    SceneText.Number(n), $"{seen}; {s.Plural()}: {n}");
            }
            default:
            {
                // Only ask about pairs the split may show: never name a held-out pair in train/test.
                var allowed = sampler.AllowedPairs(split);
                var candidates = present ? objects.Select(o => new ColorShapePair(o.Color, o.Shape)).Where(allowed.Contains).ToList() : [];
                var p = candidates.Count > 0 ? rng.Pick(candidates) : rng.Pick(allowed);
                int n = scene.Count(p.Color, p.Shape);
                return new TaskItem(Name, scene, SceneText.Fill(rng.Pick(PairPhrasings), color: p.Color.Name(), shapes: p.Shape.Plural()),
                    SceneText.Number(n), $"{seen}; {p.Color.Name()} {p.Shape.Plural()}: {n}");
            }
        }
    }
}
