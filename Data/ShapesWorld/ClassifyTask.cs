namespace Vrm.Data.ShapesWorld;

/// <summary>One object; "What shape is this?" — classification with the shape's name as the answer.</summary>
public sealed class ClassifyTask : ITaskFamily
{
    public static readonly string[] Phrasings =
    [
        "What shape is this?",
        "What shape is shown in the image?",
        "Which shape do you see?",
        "Name the shape in the picture.",
    ];

    public string Name => TaskNames.Classify;

    public TaskItem Make(SceneSampler sampler, string split, SeededRandom rng)
    {
        var scene = sampler.Shapes(split, rng, count: 1);
        var o = scene.ObjectsOrEmpty[0];
        var size = o.Size == ObjectSize.Large ? "large" : "small";
        return new TaskItem(Name, scene, rng.Pick(Phrasings), o.Shape.Name(), $"a {size} {o.Color.Name()} {o.Shape.Name()}");
    }
}
