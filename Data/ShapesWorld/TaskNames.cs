namespace Vrm.Data.ShapesWorld;

/// <summary>The ShapesWorld task families (the <c>task</c> field of a dataset line).</summary>
public static class TaskNames
{
    /// <summary>One object; "What shape is this?" — image classification with the label as answer.</summary>
    public const string Classify = "classify";
    /// <summary>CLEVR-style counting: all objects, one colour, one shape, or one colour–shape pair.</summary>
    public const string Count = "count";
    /// <summary>Two counts and arithmetic: "How many more red objects than blue ones?"</summary>
    public const string Compose = "compose";
    /// <summary>Bar chart: read values off a plot, then compute (tallest − shortest).</summary>
    public const string Chart = "chart";

    public static IReadOnlyList<string> All { get; } = [Classify, Count, Compose, Chart];

    internal static ulong Code(string task) => task switch
    {
        Classify => 1, Count => 2, Compose => 3, Chart => 4,
        _ => throw new ArgumentException($"unknown task '{task}' (expected one of: {string.Join(", ", All)}, or all)"),
    };
}
