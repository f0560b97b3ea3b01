using System.Runtime.CompilerServices;

namespace Vrm.Rewards;

/// <summary>
/// Linear-time text primitives that poll a <see cref="ScoringDeadline"/> between chunks. They replace
/// regular expressions on purpose: a lazy pattern like <c>&lt;think&gt;.*?&lt;/think&gt;\s*&lt;answer&gt;.*?&lt;/answer&gt;</c>
/// under a full match backtracks quadratically on inputs with many unclosed tags.
/// Each returns false when the deadline expired before the scan finished.
/// </summary>
internal static class BoundedScan
{
    /// <summary>First ordinal occurrence of <paramref name="needle"/> at or after <paramref name="start"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryIndexOf(ReadOnlySpan<char> text, int start, string needle, ScoringDeadline deadline, out int index)
    {
        index = -1;
        int chunk = ScoringDeadline.CheckEveryChars;
        for (int from = start; from < text.Length; from += chunk)
        {
            if (from > start && deadline.IsExpired) return false;
            // Windows overlap by needle.Length - 1 so a match straddling a chunk edge is still found.
            int windowLength = Math.Min(text.Length - from, chunk + needle.Length - 1);
            int hit = text.Slice(from, windowLength).IndexOf(needle.AsSpan(), StringComparison.Ordinal);
            if (hit >= 0) { index = from + hit; return true; }
        }
        return true;
    }

    /// <summary>Whether every char of <paramref name="text"/> is whitespace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryIsWhiteSpace(ReadOnlySpan<char> text, ScoringDeadline deadline, out bool isWhiteSpace)
    {
        isWhiteSpace = true;
        for (int from = 0; from < text.Length; from += ScoringDeadline.CheckEveryChars)
        {
            if (from > 0 && deadline.IsExpired) return false;
            var window = text.Slice(from, Math.Min(ScoringDeadline.CheckEveryChars, text.Length - from));
            if (!window.IsWhiteSpace()) { isWhiteSpace = false; return true; }
        }
        return true;
    }
}
