using Vrm.Data.ShapesWorld;

namespace Vrm.Data.Tests;

public class ShapesWorldSplitTests
{
    private readonly ShapesWorldGenerator _gen = new();

    private IEnumerable<TaskItem> Items(string split, string task, int n = 300) =>
        Enumerable.Range(0, n).Select(i => _gen.MakeItem(3, split, task, i));

    private bool IsHeldOut(SceneObject o) => _gen.Options.HeldOutPairs.Contains(new ColorShapePair(o.Color, o.Shape));

    [Theory]
    [InlineData("train")]
    [InlineData("test")]
    public void In_distribution_splits_stay_in_the_training_range_and_never_show_held_out_pairs(string split)
    {
        var o = _gen.Options;
        foreach (var task in new[] { TaskNames.Count, TaskNames.Compose })
        {
            var counts = Items(split, task).Select(i => i.Scene.ObjectsOrEmpty.Count).ToList();
            Assert.All(counts, c => Assert.InRange(c, o.MinObjects, o.MaxObjects));
            Assert.Equal(o.MaxObjects, counts.Max());   // the whole range is used, not just part of it
            Assert.Equal(o.MinObjects, counts.Min());
        }
        foreach (var task in new[] { TaskNames.Classify, TaskNames.Count, TaskNames.Compose })
            foreach (var item in Items(split, task))
            {
                Assert.DoesNotContain(item.Scene.ObjectsOrEmpty, IsHeldOut);
                // Questions never name a held-out pair either ("How many green squares" is an ood question).
                foreach (var pair in o.HeldOutPairs)
                    Assert.DoesNotContain($"{pair.Color.Name()} {pair.Shape.Plural()}", item.Problem);
            }
        Assert.All(Items(split, TaskNames.Chart), i => Assert.InRange(i.Scene.BarsOrEmpty.Count, o.MinBars, o.MaxBars));
    }

    [Fact]
    public void Ood_scenes_exceed_the_training_maximum_and_always_hold_a_held_out_pair()
    {
        var o = _gen.Options;
        foreach (var task in new[] { TaskNames.Count, TaskNames.Compose })
            foreach (var item in Items(Splits.Ood, task))
            {
                Assert.True(item.Scene.ObjectsOrEmpty.Count > o.MaxObjects, $"ood scene with {item.Scene.ObjectsOrEmpty.Count} objects");
                Assert.Contains(item.Scene.ObjectsOrEmpty, IsHeldOut);
            }
        Assert.All(Items(Splits.Ood, TaskNames.Classify), i => Assert.True(IsHeldOut(i.Scene.ObjectsOrEmpty.Single())));
        Assert.All(Items(Splits.Ood, TaskNames.Chart), i => Assert.True(i.Scene.BarsOrEmpty.Count > o.MaxBars));
        // Every held-out pair actually shows up in ood.
        var seen = Items(Splits.Ood, TaskNames.Count).SelectMany(i => i.Scene.ObjectsOrEmpty).Where(IsHeldOut)
            .Select(x => new ColorShapePair(x.Color, x.Shape)).ToHashSet();
        Assert.Equal(o.HeldOutPairs.ToHashSet(), seen);
    }

    [Fact]
    public void Objects_never_overlap_and_stay_inside_the_image()
    {
        foreach (var split in Splits.All)
            foreach (var item in Items(split, TaskNames.Count, 200))
            {
                var objs = item.Scene.ObjectsOrEmpty;
                foreach (var a in objs)
                {
                    Assert.InRange(a.X - a.Radius, 0, item.Scene.Width);
                    Assert.InRange(a.X + a.Radius, 0, item.Scene.Width);
                    Assert.InRange(a.Y - a.Radius, 0, item.Scene.Height);
                    Assert.InRange(a.Y + a.Radius, 0, item.Scene.Height);
                    foreach (var b in objs.Where(b => !ReferenceEquals(a, b)))
                    {
                        double d = Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
                        Assert.True(d > a.Radius + b.Radius, $"{a} and {b} overlap in {split}");
                    }
                }
            }
    }

    [Fact]
    public void Every_task_uses_several_phrasings()
    {
        foreach (var task in TaskNames.All)
        {
            var phrasings = Items(Splits.Train, task).Select(i => i.Problem).Distinct().Count();
            Assert.True(phrasings >= 3, $"{task}: only {phrasings} distinct problems");
        }
    }

    [Fact]
    public void Options_that_would_mix_ood_into_training_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ShapesWorldGenerator(new ShapesWorldOptions { MaxObjects = 7, OodMinObjects = 7 }));
        Assert.Contains("training maximum", e.Message);
        Assert.Throws<ArgumentException>(() => new ShapesWorldGenerator(new ShapesWorldOptions { ImageSize = 32, OodMaxObjects = 16 }));
    }

    [Fact]
    public void Missing_chart_font_fails_naming_the_package()
    {
        var g = new ShapesWorldGenerator(new ShapesWorldOptions { FontPath = "/nonexistent/font.ttf" });
        var e = Assert.Throws<FileNotFoundException>(() => g.Generate(1, Splits.Train, TaskNames.Chart, 0));
        Assert.Contains("fonts-dejavu-core", e.Message);
        // Shapes scenes need no font.
        Assert.NotEmpty(g.Generate(1, Splits.Train, TaskNames.Count, 0).Png);
    }
}
