namespace Vrm.Data;

/// <summary>The loaded examples, every fault found, and the counts a person wants to see.</summary>
public sealed record DatasetLoadResult(IReadOnlyList<DatasetExample> Examples, IReadOnlyList<DatasetFault> Faults)
{
    /// <summary>Non-blank lines read across all files.</summary>
    public int LinesRead { get; init; }
    /// <summary>Lines with at least one fault (skipped with SkipInvalid).</summary>
    public int InvalidLines { get; init; }
    /// <summary>Valid lines dropped by the split/task filter.</summary>
    public int FilteredOut { get; init; }
    /// <summary>The JSONL files read.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    public int Loaded => Examples.Count;

    public IReadOnlyDictionary<DatasetFaultKind, int> FaultCounts =>
        Faults.GroupBy(f => f.Kind).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    public string Summary =>
        $"{Loaded} loaded, {InvalidLines} invalid, {FilteredOut} filtered out, of {LinesRead} lines in {Files.Count} file(s)";
}
