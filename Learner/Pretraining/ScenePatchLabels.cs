using Vrm.Data;
using Vrm.Data.ShapesWorld;
using Vrm.Policy.Config;

namespace Vrm.Learner.Pretraining;

/// <summary>
/// Per-patch targets for the scene-supervised part of pretraining: for every ViT patch, the colour and the shape of
/// the object that covers the patch's centre (the nearest one whose disc of its radius holds it), or background.
/// Why: contrastive pretraining alone left shape at chance in the listings the LM reads off the patch features
/// (session 8: 34 % shape right per listed object even after SFT on all 4,000 count examples, 4 shapes). A caption
/// batch rarely holds two scenes that differ only in a shape, so InfoNCE hardly asks for shape; these labels do, at
/// the patches the LM attends to. The generator knows every object, so the labels are exact; images without a
/// shapes scene (charts) get <see cref="Ignore"/> and add nothing.
/// </summary>
public sealed class ScenePatchLabels
{
    /// <summary>torch's default ignore_index for cross-entropy.</summary>
    public const long Ignore = -100;
    public const int Background = 0;
    /// <summary>Background + one class per colour.</summary>
    public static int ColorClasses => Palette.All.Count + 1;
    /// <summary>Background + one class per shape.</summary>
    public static int ShapeClasses => ShapeNames.All.Count + 1;

    /// <summary>[N * P] colour class per patch, row-major (image, then patch in reading order).</summary>
    public long[] Color { get; }
    /// <summary>[N * P] shape class per patch.</summary>
    public long[] Shape { get; }
    public int Patches { get; }
    /// <summary>Images with a shapes scene (the rest are ignored).</summary>
    public int Labelled { get; }

    /// <summary>Whether image <paramref name="row"/> has labels (a shapes scene), not <see cref="Ignore"/> throughout.</summary>
    public bool IsLabelled(int row) => Color[row * Patches] != Ignore;

    private ScenePatchLabels(long[] color, long[] shape, int patches, int labelled)
    {
        Color = color;
        Shape = shape;
        Patches = patches;
        Labelled = labelled;
    }

    public static ScenePatchLabels Build(IReadOnlyList<DatasetExample> examples, VisionConfig vision)
    {
        int side = vision.PatchesPerSide, p = vision.NumPatches;
        var color = new long[examples.Count * p];
        var shape = new long[examples.Count * p];
        int labelled = 0;
        for (int i = 0; i < examples.Count; i++)
        {
            var scene = examples[i].Scene;
            if (scene is null || scene.Kind != SceneGraph.ShapesKind || scene.Width <= 0 || scene.Height <= 0)
            {
                Array.Fill(color, Ignore, i * p, p);
                Array.Fill(shape, Ignore, i * p, p);
                continue;
            }
            labelled++;
            // Patch centres in scene pixels (the image is resized to the encoder's side).
            double sx = (double)scene.Width / side, sy = (double)scene.Height / side;
            var objects = scene.ObjectsOrEmpty;
            for (int py = 0; py < side; py++)
                for (int px = 0; px < side; px++)
                {
                    double cx = (px + 0.5) * sx, cy = (py + 0.5) * sy;
                    int best = -1;
                    double bestD = double.MaxValue;
                    for (int j = 0; j < objects.Count; j++)
                    {
                        var o = objects[j];
                        double d = (cx - o.X) * (cx - o.X) + (cy - o.Y) * (cy - o.Y);
                        if (d <= (double)o.Radius * o.Radius && d < bestD) { best = j; bestD = d; }
                    }
                    int k = i * p + py * side + px;
                    color[k] = best < 0 ? Background : 1 + (int)objects[best].Color;
                    shape[k] = best < 0 ? Background : 1 + (int)objects[best].Shape;
                }
        }
        if (labelled == 0)
            throw new InvalidDataException("scene-supervised pretraining needs shapes scenes ('scene' with kind 'shapes'); none of the " +
                                           $"{examples.Count} examples has one — set pretrain scene weight to 0 for data without scenes");
        return new ScenePatchLabels(color, shape, p, labelled);
    }
}
