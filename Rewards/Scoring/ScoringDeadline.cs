using System.Diagnostics;

namespace Vrm.Rewards;

/// <summary>
/// The moment by which one item must be scored. Scanners poll it every <see cref="CheckEveryChars"/>
/// characters, so scoring stops within one chunk of the bound however large the input is: a model
/// can emit anything, and one pathological completion must not stall a whole batch.
/// </summary>
public readonly struct ScoringDeadline
{
    /// <summary>Poll granularity. A chunk this size is scanned in microseconds; a clock read costs ~20 ns.</summary>
    public const int CheckEveryChars = 32 * 1024;

    private readonly long _deadlineTimestamp; // Stopwatch ticks

    private ScoringDeadline(long deadlineTimestamp) => _deadlineTimestamp = deadlineTimestamp;

    /// <summary>No bound at all.</summary>
    public static ScoringDeadline None => new(long.MaxValue);

    /// <summary>A deadline <paramref name="bound"/> from now.</summary>
    public static ScoringDeadline After(TimeSpan bound)
    {
        if (bound < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(bound), bound, "time bound must not be negative");
        double ticks = bound.TotalSeconds * Stopwatch.Frequency;
        long now = Stopwatch.GetTimestamp();
        return ticks >= long.MaxValue - now ? None : new ScoringDeadline(now + (long)ticks);
    }

    public bool IsExpired => Stopwatch.GetTimestamp() > _deadlineTimestamp;
}
