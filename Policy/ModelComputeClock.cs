using System.Diagnostics;

namespace Vrm.Policy;

/// <summary>
/// Wall time, in this process, during which at least one model computation (sampling, log-prob scoring,
/// a training update, an evaluation) was running. Overlapping computations (two workers sampling at once)
/// count once, so <c>1 − Busy / wall</c> is the share of wall time spent outside model compute — the
/// orchestration overhead of a run (grain calls, gRPC, rewards, weight pushes, waiting).
/// <para>
/// Each idle gap (no computation running) is also filed under the pair "what ended it started → what ended
/// it", e.g. <c>update → sample</c> (publish, enqueue, lease) or <c>sample → update</c> (rewards, completion,
/// hand-off): the overhead report says where the time outside compute went, not just how much.
/// </para>
/// </summary>
public static class ModelComputeClock
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, IdleGap> GapTotals = [];
    private static int _active;
    private static long _busyTicks;
    private static long _openedAt;
    private static long _closedAt;
    private static string _lastClosed = "start";

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

    /// <summary>Marks a model computation of kind <paramref name="what"/>; dispose the result when it ends (<c>using var _ = ModelComputeClock.Measure("sample");</c>).</summary>
    public static Interval Measure(string what)
    {
        lock (Gate)
        {
            if (_active++ == 0)
            {
                _openedAt = Stopwatch.GetTimestamp();
                FileGap(what, _openedAt);
            }
        }
        return new Interval(what);
    }

    /// <summary>
    /// A zero-length event (a phase starting or ending): closes the idle gap running now, if any, under
    /// "… → <paramref name="what"/>", and returns the gap totals so far. Diff two marks to get a phase's gaps.
    /// </summary>
    public static IReadOnlyDictionary<string, IdleGap> Mark(string what)
    {
        lock (Gate)
        {
            if (_active == 0)
            {
                long now = Stopwatch.GetTimestamp();
                FileGap(what, now);
                _closedAt = now;
                _lastClosed = what;
            }
            return new Dictionary<string, IdleGap>(GapTotals);
        }
    }

    /// <summary>Gaps filed between two <see cref="Mark"/> snapshots, largest total first.</summary>
    public static IReadOnlyList<(string Transition, IdleGap Gap)> Between(IReadOnlyDictionary<string, IdleGap> before, IReadOnlyDictionary<string, IdleGap> after) =>
        after.Select(kv => (kv.Key, before.TryGetValue(kv.Key, out var b) ? kv.Value.Minus(b) : kv.Value))
             .Where(x => x.Item2.Count > 0)
             .OrderByDescending(x => x.Item2.Seconds)
             .ToList();

    // Caller holds Gate. The first gap of the process (since start-up) has no meaningful start: skipped.
    private static void FileGap(string what, long now)
    {
        if (_closedAt == 0) return;
        string key = $"{_lastClosed} → {what}";
        GapTotals[key] = (GapTotals.TryGetValue(key, out var g) ? g : default).Plus(Stopwatch.GetElapsedTime(_closedAt, now).TotalSeconds);
    }

    /// <summary>One open computation; ends once, on the first dispose.</summary>
    public struct Interval(string what) : IDisposable
    {
        private string? _what = what;

        public void Dispose()
        {
            if (_what is null) return;
            lock (Gate)
            {
                if (--_active == 0)
                {
                    _closedAt = Stopwatch.GetTimestamp();
                    _busyTicks += _closedAt - _openedAt;
                    _lastClosed = _what;
                }
            }
            _what = null;
        }
    }
}

/// <summary>Idle gaps of one kind: how many and their total length.</summary>
public readonly record struct IdleGap(int Count, double Seconds)
{
    public IdleGap Plus(double seconds) => new(Count + 1, Seconds + seconds);
    public IdleGap Minus(IdleGap earlier) => new(Count - earlier.Count, Seconds - earlier.Seconds);
}
