namespace Vrm.Rewards;

/// <summary>
/// The CPU-time budget for scoring one item, measured on the creating thread's CPU clock
/// (<see cref="ThreadCpuClock"/>; wall clock where unavailable). Scanners poll it after every
/// <see cref="CheckEveryChars"/> characters, so scoring stops within one chunk of the bound however
/// large the input is: a model can emit anything, and one pathological completion must not stall a
/// batch. Inputs shorter than one chunk are never polled: they finish in microseconds anyway, and
/// each clock read is a system call.
/// A deadline belongs to the thread that created it; scoring is synchronous on that thread.
/// </summary>
public readonly struct ScoringDeadline
{
    /// <summary>Poll granularity: a chunk this size is scanned in tens of microseconds.</summary>
    public const int CheckEveryChars = 32 * 1024;

    private readonly long _deadlineNanoseconds; // 0: unbounded, so default(ScoringDeadline) == None
    private readonly int _threadId;

    private ScoringDeadline(long deadlineNanoseconds, int threadId)
    {
        _deadlineNanoseconds = deadlineNanoseconds;
        _threadId = threadId;
    }

    /// <summary>No bound at all; the same as <c>default</c>.</summary>
    public static ScoringDeadline None => default;

    /// <summary>Whether the time bound is measured as thread CPU time (Linux) rather than wall time.</summary>
    public static bool MeasuresThreadCpuTime => ThreadCpuClock.IsThreadCpuTime;

    /// <summary>A budget of <paramref name="bound"/> of this thread's time, starting now.</summary>
    public static ScoringDeadline After(TimeSpan bound)
    {
        if (bound < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(bound), bound, "time bound must not be negative");
        long now = ThreadCpuClock.NowNanoseconds();
        double budget = bound.TotalNanoseconds;
        return budget >= long.MaxValue - now
            ? None
            : new ScoringDeadline(Math.Max(1, now + (long)budget), Environment.CurrentManagedThreadId);
    }

    public bool IsExpired
    {
        get
        {
            if (_deadlineNanoseconds == 0) return false;
            if (Environment.CurrentManagedThreadId != _threadId)
                throw new InvalidOperationException("a scoring deadline was checked on a thread other than the one that created it");
            return ThreadCpuClock.NowNanoseconds() > _deadlineNanoseconds;
        }
    }
}
