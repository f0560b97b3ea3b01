namespace Vrm.Data.ShapesWorld;

/// <summary>One generated example before it is written: the dataset line (image path relative) and its PNG.</summary>
public sealed record GeneratedExample(DatasetExample Example, byte[] Png);
