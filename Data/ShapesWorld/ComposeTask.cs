namespace Vrm.Data.ShapesWorld;

/// <summary>
/// Two facts and arithmetic: a difference ("How many more red objects than blue ones?", never negative)
/// or a sum ("How many circles and squares are there altogether?"), over colours or shapes.
/// </summary>
public sealed class ComposeTask : ITaskFamily
{
    public static readonly string[] ColorDifferencePhrasings =
        ["How many more {c} objects than {c2} ones are there?", "How many more {c} objects are there than {c2} objects?"];
    public static readonly string[] ShapeDifferencePhrasings =
        ["How many more {s} than {s2} are there?", "How many more {s} are there than {s2}?"];
    public static readonly string[] ColorSumPhrasings =
        ["How many {c} and {c2} objects are there altogether?", "How many {c} and {c2} objects are there in total?"];
    public static readonly string[] ShapeSumPhrasings =
        ["How many {s} and {s2} are there altogether?", "What is the total number of {s} and {s2}?"];

    public string Name => TaskNames.Compose;

    public TaskItem Make(SceneSampler sampler, string split, SeededRandom rng)
    {
        var scene = sampler.Shapes(split, rng);
        var seen = SceneText.ListObjects(scene);
        bool difference = rng.Chance(0.5);
        if (rng.Chance(0.5))
        {
            var (a, b) = TwoValues(Palette.All, scene.ObjectsOrEmpty.Select(o => o.Color).ToList(), c => scene.Count(color: c), difference, rng);
            return Build(scene, seen, difference, a.Name(), b.Name(), scene.Count(color: a), scene.Count(color: b),
                difference ? ColorDifferencePhrasings : ColorSumPhrasings, rng, isColor: true);
        }
        var (s1, s2) = TwoValues(ShapeNames.All, scene.ObjectsOrEmpty.Select(o => o.Shape).ToList(), s => scene.Count(shape: s), difference, rng);
        return Build(scene, seen, difference, s1.Plural(), s2.Plural(), scene.Count(shape: s1), scene.Count(shape: s2),
            difference ? ShapeDifferencePhrasings : ShapeSumPhrasings, rng, isColor: false);
    }

    /// <summary>Two distinct values, the first present in the scene; for a difference, ordered so it is ≥ 0.</summary>
    private static (T A, T B) TwoValues<T>(IReadOnlyList<T> all, IReadOnlyList<T> present, Func<T, int> count, bool difference, SeededRandom rng)
        where T : struct, Enum
    {
        var a = rng.Pick(present);
        var others = all.Where(v => !v.Equals(a)).ToList();
        var b = rng.Pick(others);
        if (difference && count(b) > count(a)) (a, b) = (b, a);
        return (a, b);
    }

    private TaskItem Build(SceneGraph scene, string seen, bool difference, string a, string b, int na, int nb,
        string[] phrasings, SeededRandom rng, bool isColor)
    {
        var template = rng.Pick(phrasings);
        var problem = isColor ? SceneText.Fill(template, color: a, color2: b) : SceneText.Fill(template, shapes: a, shapes2: b);
        int answer = difference ? na - nb : na + nb;
        var op = difference ? $"{na} - {nb} = {answer}" : $"{na} + {nb} = {answer}";
        return new TaskItem(Name, scene, problem, SceneText.Number(answer), $"{seen}; {a}: {na}, {b}: {nb}; {op}");
    }
}
