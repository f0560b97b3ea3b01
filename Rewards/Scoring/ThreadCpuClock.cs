using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Vrm.Rewards;

/// <summary>
/// CPU time consumed by the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), falling back to the
/// wall clock where that clock is unavailable. The reward time bound is measured on this clock
/// because it counts only the scorer's own work: on a machine shared with the learner and the
/// samplers (embedded mode, 2 cores) a wall-clock bound would fire on preemption alone and zero the
/// reward of perfectly ordinary completions.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3; // <time.h>

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clockId, out Timespec time);

    /// <summary>True when <see cref="NowNanoseconds"/> reads thread CPU time; false when it reads the wall clock.</summary>
    public static bool IsThreadCpuTime { get; } = Probe();

    public static long NowNanoseconds()
    {
        if (IsThreadCpuTime && ClockGetTime(ClockThreadCpuTimeId, out var t) == 0) return t.Seconds * 1_000_000_000 + t.Nanoseconds;
        return (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
