using System.Diagnostics;

namespace Vrm.Orchestrator.Simulation;

/// <summary>Thread-safe collection of latency samples (Stopwatch ticks) with percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<long> _ticks = new(1 << 16);
    private readonly Lock _lock = new();

    public void Record(long stopwatchTicks)
    {
        lock (_lock) _ticks.Add(stopwatchTicks);
    }

    public int Count { get { lock (_lock) return _ticks.Count; } }

    /// <summary>Drop what was recorded so far (the end of a benchmark's warm-up).</summary>
    public void Clear()
    {
        lock (_lock) _ticks.Clear();
    }

    /// <summary>Nearest-rank percentile in milliseconds (q in [0, 1]); NaN when empty.</summary>
    public double PercentileMs(double q)
    {
        long[] sorted;
        lock (_lock) sorted = [.. _ticks];
        if (sorted.Length == 0) return double.NaN;
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
