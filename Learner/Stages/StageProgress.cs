using System.Diagnostics;

namespace Vrm.Learner.Stages;

/// <summary>Throttled one-line progress for long loops: rate and ETA from the wall clock so far.</summary>
public sealed class StageProgress(string name, int total, Action<string> write, TimeSpan? every = null)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _every = every ?? TimeSpan.FromSeconds(2);
    private TimeSpan? _last;

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Report(int done, string detail, bool force = false)
    {
        var now = _clock.Elapsed;
        if (!force && done < total && _last is { } last && now - last < _every) return;
        _last = now;
        double rate = done / Math.Max(1e-9, now.TotalSeconds);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        write($"[{name}] {done}/{total} {detail} | {rate:0.0}/s, elapsed {Fmt(now)}, ETA {Fmt(eta)}");
    }

    public static string Fmt(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
}
