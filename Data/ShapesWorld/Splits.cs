namespace Vrm.Data.ShapesWorld;

/// <summary>The three ShapesWorld splits: <c>train</c>, <c>test</c> (same distribution) and <c>ood</c>.</summary>
public static class Splits
{
    public const string Train = "train";
    public const string Test = "test";
    /// <summary>More objects than training ever shows, and colour–shape pairs training never shows.</summary>
    public const string Ood = "ood";

    public static IReadOnlyList<string> All { get; } = [Train, Test, Ood];

    public static bool IsOod(string split) => split == Ood;

    internal static ulong Code(string split) => split switch
    {
        Train => 1, Test => 2, Ood => 3,
        _ => throw new ArgumentException($"unknown split '{split}' (expected one of: {string.Join(", ", All)})"),
    };
}
