namespace Vrm.Data.ShapesWorld;

/// <summary>
/// What ShapesWorld draws and how the splits differ. Defaults fit the tiny model: 64×64 images, 1–6 objects
/// in train/test and 7–9 in ood, two colour–shape pairs seen only in ood.
/// </summary>
public sealed record ShapesWorldOptions
{
    /// <summary>Side of the square image in pixels.</summary>
    public int ImageSize { get; init; } = 64;
    /// <summary>Objects per scene in train and test (count/compose tasks).</summary>
    public int MinObjects { get; init; } = 1;
    public int MaxObjects { get; init; } = 6;
    /// <summary>Objects per scene in ood: all above <see cref="MaxObjects"/>, so counts never seen in training.</summary>
    public int OodMinObjects { get; init; } = 7;
    public int OodMaxObjects { get; init; } = 9;
    /// <summary>Colour–shape pairs that never appear in train or test; every ood scene contains at least one.</summary>
    public IReadOnlyList<ColorShapePair> HeldOutPairs { get; init; } =
        [new(ShapeColor.Green, ShapeKind.Square), new(ShapeColor.Purple, ShapeKind.Triangle)];
    /// <summary>Bars per chart in train and test, and in ood (more bars than training shows).</summary>
    public int MinBars { get; init; } = 3;
    public int MaxBars { get; init; } = 5;
    public int OodMinBars { get; init; } = 6;
    public int OodMaxBars { get; init; } = 6;
    /// <summary>Bar values are integers 1..ChartAxisMax; the axis is gridded at every integer.</summary>
    public int ChartAxisMax { get; init; } = 9;
    /// <summary>TrueType font for chart tick labels (Debian package fonts-dejavu-core).</summary>
    public string FontPath { get; init; } = DefaultFontPath;

    public const string DefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    /// <summary>Objects sit in the cells of a GridSide × GridSide grid, one per cell, so they never overlap.</summary>
    public int GridSide => (int)Math.Ceiling(Math.Sqrt(Math.Max(MaxObjects, OodMaxObjects)));
    /// <summary>Radius of a small / large object: ≈ 9 % and 14 % of the side (6 and 9 px at 64 px).</summary>
    public int SmallRadius => Math.Max(2, (int)Math.Round(ImageSize * 0.09));
    public int LargeRadius => Math.Max(SmallRadius + 2, (int)Math.Round(ImageSize * 0.14));

    public void Validate()
    {
        if (ImageSize < 32 || ImageSize > 1024) throw new ArgumentException($"ImageSize ({ImageSize}) must be within 32..1024");
        if (MinObjects < 1 || MaxObjects < MinObjects) throw new ArgumentException($"objects range {MinObjects}..{MaxObjects} is empty or below 1");
        if (OodMinObjects <= MaxObjects || OodMaxObjects < OodMinObjects)
            throw new ArgumentException($"ood objects {OodMinObjects}..{OodMaxObjects} must lie above the training maximum {MaxObjects}");
        double cell = (double)ImageSize / GridSide;
        if (LargeRadius + 1 > cell / 2)
            throw new ArgumentException($"{Math.Max(MaxObjects, OodMaxObjects)} objects need a {GridSide}×{GridSide} grid; " +
                                        $"cells of {cell:0.#} px cannot hold a large object of radius {LargeRadius} px — use a larger ImageSize or fewer objects");
        foreach (var c in Palette.All)
            if (ShapeNames.All.All(s => HeldOutPairs.Contains(new ColorShapePair(c, s))))
                throw new ArgumentException($"held-out pairs remove every shape of colour {c.Name()} from training");
        foreach (var s in ShapeNames.All)
            if (Palette.All.All(c => HeldOutPairs.Contains(new ColorShapePair(c, s))))
                throw new ArgumentException($"held-out pairs remove every colour of shape {s.Name()} from training");
        if (MinBars < 2 || MaxBars < MinBars || OodMaxBars < OodMinBars || Math.Max(MaxBars, OodMaxBars) > Palette.All.Count)
            throw new ArgumentException($"bars {MinBars}..{MaxBars} (ood {OodMinBars}..{OodMaxBars}) must be ≥ 2 and at most {Palette.All.Count} (one colour each)");
        if (ChartAxisMax < 2 || ChartAxisMax > 20) throw new ArgumentException($"ChartAxisMax ({ChartAxisMax}) must be within 2..20");
    }
}
