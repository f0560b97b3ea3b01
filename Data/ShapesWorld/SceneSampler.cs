namespace Vrm.Data.ShapesWorld;

/// <summary>
/// Draws random scenes obeying the split rules: how many objects, which colour–shape pairs may appear,
/// and (in ood) that at least one held-out pair does.
/// </summary>
public sealed class SceneSampler(ShapesWorldOptions options)
{
    private readonly ColorShapePair[] _allPairs =
        [.. Palette.All.SelectMany(c => ShapeNames.All.Select(s => new ColorShapePair(c, s)))];

    public ShapesWorldOptions Options => options;

    /// <summary>Pairs that may appear in a split: all of them in ood, all but the held-out ones elsewhere.</summary>
    public IReadOnlyList<ColorShapePair> AllowedPairs(string split) =>
        Splits.IsOod(split) ? _allPairs : [.. _allPairs.Where(p => !options.HeldOutPairs.Contains(p))];

    public (int Min, int Max) ObjectRange(string split) =>
        Splits.IsOod(split) ? (options.OodMinObjects, options.OodMaxObjects) : (options.MinObjects, options.MaxObjects);

    public (int Min, int Max) BarRange(string split) =>
        Splits.IsOod(split) ? (options.OodMinBars, options.OodMaxBars) : (options.MinBars, options.MaxBars);

    /// <summary>A shapes scene with <paramref name="count"/> objects (or a count drawn from the split's range).</summary>
    public SceneGraph Shapes(string split, SeededRandom rng, int? count = null)
    {
        var (min, max) = ObjectRange(split);
        int n = count ?? rng.NextInclusive(min, max);
        int side = options.GridSide;
        if (n < 1 || n > side * side) throw new ArgumentOutOfRangeException(nameof(count), $"{n} objects do not fit a {side}×{side} grid");

        var allowed = AllowedPairs(split);
        var pairs = new ColorShapePair[n];
        for (int i = 0; i < n; i++) pairs[i] = rng.Pick(allowed);
        if (Splits.IsOod(split) && options.HeldOutPairs.Count > 0)
            pairs[rng.Next(n)] = rng.Pick(options.HeldOutPairs);   // the compositional shift is in every ood scene

        var cells = Enumerable.Range(0, side * side).ToList();
        rng.Shuffle(cells);
        var chosen = cells.Take(n).Order().ToArray();        // ascending cell index = reading order
        double cell = (double)options.ImageSize / side;
        var objects = new SceneObject[n];
        // Cells are filled in reading order but pairs were drawn independently, so pair i ↔ cell i is random.
        for (int i = 0; i < n; i++)
        {
            var size = rng.Chance(0.5) ? ObjectSize.Large : ObjectSize.Small;
            int r = size == ObjectSize.Large ? options.LargeRadius : options.SmallRadius;
            int jitter = Math.Max(0, (int)Math.Floor(cell / 2 - r - 1));
            int cx = (int)Math.Round((chosen[i] % side + 0.5) * cell) + rng.NextInclusive(-jitter, jitter);
            int cy = (int)Math.Round((chosen[i] / side + 0.5) * cell) + rng.NextInclusive(-jitter, jitter);
            objects[i] = new SceneObject(pairs[i].Shape, pairs[i].Color, size, cx, cy, r);
        }
        return new SceneGraph { Kind = SceneGraph.ShapesKind, Width = options.ImageSize, Height = options.ImageSize, Objects = objects };
    }

    /// <summary>A bar chart: distinct colours, integer heights 1..ChartAxisMax.</summary>
    public SceneGraph Chart(string split, SeededRandom rng)
    {
        var (min, max) = BarRange(split);
        int n = rng.NextInclusive(min, max);
        var colors = Palette.All.ToList();
        rng.Shuffle(colors);
        var bars = colors.Take(n).Select(c => new ChartBar(c, rng.NextInclusive(1, options.ChartAxisMax))).ToArray();
        return new SceneGraph
        {
            Kind = SceneGraph.ChartKind, Width = options.ImageSize, Height = options.ImageSize,
            Bars = bars, AxisMax = options.ChartAxisMax,
        };
    }
}
