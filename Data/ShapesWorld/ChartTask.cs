namespace Vrm.Data.ShapesWorld;

/// <summary>A bar chart; read the bar heights off the gridded axis, then subtract shortest from tallest.</summary>
public sealed class ChartTask : ITaskFamily
{
    public static readonly string[] Phrasings =
    [
        "What is the difference between the tallest and the shortest bar?",
        "How much taller is the tallest bar than the shortest bar?",
        "By how much does the highest bar exceed the lowest bar?",
    ];

    public string Name => TaskNames.Chart;

    public TaskItem Make(SceneSampler sampler, string split, SeededRandom rng)
    {
        var scene = sampler.Chart(split, rng);
        int max = scene.BarsOrEmpty.Max(b => b.Value), min = scene.BarsOrEmpty.Min(b => b.Value);
        int answer = max - min;
        return new TaskItem(Name, scene, rng.Pick(Phrasings), SceneText.Number(answer),
            $"{SceneText.ListBars(scene)}; {max} - {min} = {answer}");
    }
}
