using System.Diagnostics;

namespace Vrm.Policy;

/// <summary>
/// Wall time, in this process, during which at least one model computation (sampling, log-prob scoring,
/// a training update, an evaluation) was running. Overlapping computations (two workers sampling at once)
/// count once, so <c>1 − Busy / wall</c> is the share of wall time spent outside model compute — the
/// orchestration overhead of a run (grain calls, gRPC, rewards, weight pushes, waiting).
/// </summary>
public static class ModelComputeClock
{
    private static readonly Lock Gate = new();
    private static int _active;
    private static long _busyTicks;
    private static long _openedAt;

    /// <summary>Total busy time since the process started.</summary>
    public static TimeSpan Busy
    {
        get
        {
            lock (Gate)
            {
                long ticks = _busyTicks + (_active > 0 ? Stopwatch.GetTimestamp() - _openedAt : 0);
                return Stopwatch.GetElapsedTime(0, ticks);
            }
        }
    }

    /// <summary>Marks a model computation; dispose the result when it ends (<c>using var _ = ModelComputeClock.Measure();</c>).</summary>
    public static Interval Measure()
    {
        lock (Gate)
        {
            if (_active++ == 0) _openedAt = Stopwatch.GetTimestamp();
        }
        return new Interval(true);
    }

    /// <summary>One open computation; ends once, on the first dispose.</summary>
    public struct Interval(bool open) : IDisposable
    {
        private bool _open = open;

        public void Dispose()
        {
            if (!_open) return;
            _open = false;
            lock (Gate)
            {
                if (--_active == 0) _busyTicks += Stopwatch.GetTimestamp() - _openedAt;
            }
        }
    }
}
