using System.Runtime.CompilerServices;

namespace Vrm.Rewards;

/// <summary>
/// One left-to-right pass over a completion counting each of the four <see cref="Tags"/> and
/// remembering where each first occurs. Jumps from '&lt;' to '&lt;' with a vectorised search, so it is
/// linear in the input and allocation-free.
/// </summary>
internal readonly record struct TagCensus(
    int ThinkOpenCount, int ThinkCloseCount, int AnswerOpenCount, int AnswerCloseCount,
    int ThinkOpenAt, int ThinkCloseAt, int AnswerOpenAt, int AnswerCloseAt)
{
    // Optimised from the first call: the first completion a process sees may be a megabyte of '<'.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryTake(ReadOnlySpan<char> text, ScoringDeadline deadline, out TagCensus census)
    {
        int thinkOpen = 0, thinkClose = 0, answerOpen = 0, answerClose = 0;
        int thinkOpenAt = -1, thinkCloseAt = -1, answerOpenAt = -1, answerCloseAt = -1;
        census = default;
        int chunk = ScoringDeadline.CheckEveryChars;
        for (int from = 0; from < text.Length; from += chunk)
        {
            if (from > 0 && deadline.IsExpired) return false;
            int end = Math.Min(text.Length, from + chunk);
            int pos = from;
            while (pos < end)
            {
                int lt = text[pos..end].IndexOf('<');
                if (lt < 0) break;
                pos += lt;
                // Dispatch on the chars after '<' before comparing whole tags, so a run of '<' costs one
                // comparison each. A tag may run past the chunk end: match against the whole text.
                char next = pos + 1 < text.Length ? text[pos + 1] : '\0';
                if (next == 't') { if (At(text, pos, Tags.ThinkOpen) && thinkOpen++ == 0) thinkOpenAt = pos; }
                else if (next == 'a') { if (At(text, pos, Tags.AnswerOpen) && answerOpen++ == 0) answerOpenAt = pos; }
                else if (next == '/' && pos + 2 < text.Length)
                {
                    char third = text[pos + 2];
                    if (third == 't') { if (At(text, pos, Tags.ThinkClose) && thinkClose++ == 0) thinkCloseAt = pos; }
                    else if (third == 'a') { if (At(text, pos, Tags.AnswerClose) && answerClose++ == 0) answerCloseAt = pos; }
                }
                pos++; // tags contain no '<' after the first char, so the next '<' can start the next tag
            }
        }
        census = new TagCensus(thinkOpen, thinkClose, answerOpen, answerClose, thinkOpenAt, thinkCloseAt, answerOpenAt, answerCloseAt);
        return true;
    }

    private static bool At(ReadOnlySpan<char> text, int pos, string tag) =>
        text[pos..].StartsWith(tag, StringComparison.Ordinal);
}
