namespace Vrm.Data;

/// <summary>A dataset refused because it has faults; <see cref="Faults"/> carries every one of them.</summary>
public sealed class DatasetInvalidException(string source, IReadOnlyList<DatasetFault> faults)
    : Exception(Describe(source, faults))
{
    public IReadOnlyList<DatasetFault> Faults { get; } = faults;

    private static string Describe(string source, IReadOnlyList<DatasetFault> faults)
    {
        var lines = faults.Select(f => "  " + f).ToList();
        return $"dataset '{source}' has {faults.Count} fault(s) (load with skip-invalid to keep the good lines):\n" + string.Join("\n", lines);
    }
}
