namespace Vrm.Policy;

/// <summary>Summary statistics of benchmark samples (repeat timings, ratios), shared by the benches.</summary>
public static class SampleStatistics
{
    /// <summary>The median; NaN for no samples.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
