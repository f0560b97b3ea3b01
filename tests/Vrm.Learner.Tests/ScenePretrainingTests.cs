using Vrm.Data;
using Vrm.Data.ShapesWorld;
using Vrm.Learner.Pretraining;
using Vrm.Learner.Stages;
using Vrm.Learner.Tests.Fixtures;
using Vrm.Policy;
using Vrm.Policy.Config;

namespace Vrm.Learner.Tests;

/// <summary>
/// The scene-supervised part of pretraining: per-patch labels computed by hand for one object, charts ignored, data
/// without scenes refused by name; and in training the scene loss falls and its heads learn colour.
/// </summary>
public class ScenePretrainingTests(TinyRun tiny) : IClassFixture<TinyRun>
{
    private static DatasetExample Example(string id, SceneGraph scene) =>
        new(id, "img.png", "How many objects are there?", "<answer>1</answer>", TaskNames.Count, Splits.Train) { Scene = scene };

    [Fact]
    public void A_large_object_labels_the_five_patches_whose_centres_it_covers()
    {
        // Patch centres of a 64-px image cut in 8-px patches sit at 4, 12, 20, …; a disc of radius 9 around (20, 20)
        // holds (20, 20) and the four centres 8 px away, not the diagonal ones (8√2 ≈ 11.3 px).
        var scene = new SceneGraph
        {
            Kind = SceneGraph.ShapesKind, Width = 64, Height = 64,
            Objects = [new SceneObject(ShapeKind.Triangle, ShapeColor.Blue, ObjectSize.Large, 20, 20, 9)],
        };
        var labels = ScenePatchLabels.Build([Example("a", scene)], new VisionConfig());

        Assert.Equal(64, labels.Patches);
        Assert.Equal(1, labels.Labelled);
        int[] covered = [1 * 8 + 2, 2 * 8 + 1, 2 * 8 + 2, 2 * 8 + 3, 3 * 8 + 2]; // row * side + column
        for (int k = 0; k < 64; k++)
        {
            Assert.Equal(covered.Contains(k) ? 1 + (int)ShapeColor.Blue : ScenePatchLabels.Background, labels.Color[k]);
            Assert.Equal(covered.Contains(k) ? 1 + (int)ShapeKind.Triangle : ScenePatchLabels.Background, labels.Shape[k]);
        }
    }

    [Fact]
    public void A_patch_two_objects_cover_takes_the_nearer_and_scenes_are_scaled_to_the_encoder()
    {
        // A 128-px scene seen by the 64-px encoder: patch (2, 2)'s centre is (40, 40) in scene pixels.
        var scene = new SceneGraph
        {
            Kind = SceneGraph.ShapesKind, Width = 128, Height = 128,
            Objects =
            [
                new SceneObject(ShapeKind.Square, ShapeColor.Red, ObjectSize.Large, 30, 40, 20),   // 10 px away
                new SceneObject(ShapeKind.Cross, ShapeColor.Green, ObjectSize.Large, 44, 40, 20),  // 4 px away
            ],
        };
        var labels = ScenePatchLabels.Build([Example("a", scene)], new VisionConfig());
        Assert.Equal(1 + (int)ShapeColor.Green, labels.Color[2 * 8 + 2]);
        Assert.Equal(1 + (int)ShapeKind.Cross, labels.Shape[2 * 8 + 2]);
    }

    [Fact]
    public void Charts_are_ignored_and_data_without_any_shapes_scene_is_refused()
    {
        var chart = new SceneGraph { Kind = SceneGraph.ChartKind, Width = 64, Height = 64, Bars = [new ChartBar(ShapeColor.Red, 3)] };
        var shapes = new SceneGraph
        {
            Kind = SceneGraph.ShapesKind, Width = 64, Height = 64,
            Objects = [new SceneObject(ShapeKind.Circle, ShapeColor.Red, ObjectSize.Small, 36, 36, 6)],
        };
        var labels = ScenePatchLabels.Build([Example("c", chart), Example("s", shapes)], new VisionConfig());
        Assert.Equal(1, labels.Labelled);
        Assert.All(labels.Color.Take(64), c => Assert.Equal(ScenePatchLabels.Ignore, c));
        Assert.All(labels.Shape.Take(64), s => Assert.Equal(ScenePatchLabels.Ignore, s));
        Assert.Contains(1 + (long)ShapeColor.Red, labels.Color.Skip(64));

        var e = Assert.Throws<InvalidDataException>(() => ScenePatchLabels.Build([Example("c", chart), new DatasetExample("n", "img.png", "q", "s", TaskNames.Count, Splits.Train)], new VisionConfig()));
        Assert.Contains("none of the 2 examples", e.Message);
    }

    [Fact]
    public void The_scene_loss_falls_and_its_heads_learn_colour()
    {
        using var model = PolicyFactory.Create(VrmTokenizer.Default, 5);
        using var train = ExampleSet.Load(tiny.Data, "train", null, model.Config.Vision, VrmTokenizer.Default, PromptTemplate.Default, readScenes: true);
        var trainer = new ContrastivePretrainer(model, VrmTokenizer.Default,
            new ContrastiveOptions { Steps = 40, BatchSize = 16, WarmupSteps = 0, LearningRate = 2e-3, SceneWeight = 1, Seed = 5 });
        var losses = trainer.Run(train).Select(s => s.SceneLoss).ToList();

        Assert.Equal(40, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0, $"scene loss {l}"));
        double first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < 0.5 * first, $"scene loss fell only from {first:0.000} to {last:0.000}");
        var scene = trainer.EvaluateScene(train)!;
        Assert.True(scene.ObjectPatches > 0);
        Assert.True(scene.ColorAccuracy > 0.5, $"colour accuracy on the patches it trained on: {scene.ColorAccuracy:P1}");
    }

    [Fact]
    public void Without_a_scene_weight_nothing_reads_scenes()
    {
        using var model = PolicyFactory.Create(VrmTokenizer.Default, 5);
        // Loaded without scenes: the contrastive-only trainer must not ask for them.
        using var train = ExampleSet.Load(tiny.Data, "train", null, model.Config.Vision, VrmTokenizer.Default, PromptTemplate.Default);
        var trainer = new ContrastivePretrainer(model, VrmTokenizer.Default, new ContrastiveOptions { Steps = 2, BatchSize = 8, Seed = 5 });
        Assert.All(trainer.Run(train), s => Assert.Equal(0, s.SceneLoss));
        Assert.Null(trainer.EvaluateScene(train));
        Assert.Throws<ArgumentException>(() => new ContrastiveOptions { SceneWeight = -1 }.Validate());
    }
}
