namespace Vrm.Data;

/// <summary>How <see cref="DatasetReader.Load"/> treats faults and which examples it keeps.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>Keep the good lines and report the bad ones, instead of refusing the whole dataset.</summary>
    public bool SkipInvalid { get; init; }
    /// <summary>Keep only this split (e.g. "train"); null keeps all.</summary>
    public string? Split { get; init; }
    /// <summary>Keep only these tasks; null or empty keeps all.</summary>
    public IReadOnlyCollection<string>? Tasks { get; init; }
    /// <summary>Decode every image to prove it is readable (default). Off only checks that the file exists.</summary>
    public bool VerifyImages { get; init; } = true;
    /// <summary>
    /// Parse and check each line's optional <c>scene</c> graph (default). Off leaves <see cref="DatasetExample.Scene"/>
    /// null and the field unchecked: training never reads it, and it was half the cost of reading a ShapesWorld split.
    /// </summary>
    public bool ReadScenes { get; init; } = true;
}
