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
    public static bool TryTake(ReadOnlySpan<char> text, ScoringDeadline deadline, out TagCensus census)
    {
        int thinkOpen = 0, thinkClose = 0, answerOpen = 0, answerClose = 0;
        int thinkOpenAt = -1, thinkCloseAt = -1, answerOpenAt = -1, answerCloseAt = -1;
        census = default;
        int chunk = ScoringDeadline.CheckEveryChars;
        for (int from = 0; from < text.Length; from += chunk)
        {
            if (deadline.IsExpired) return false;
            int end = Math.Min(text.Length, from + chunk);
            int pos = from;
            while (pos < end)
            {
                int lt = text[pos..end].IndexOf('<');
                if (lt < 0) break;
                pos += lt;
                // A tag may run past the chunk end: match against the whole rest of the text.
                var rest = text[pos..];
                if (rest.StartsWith(Tags.ThinkOpen, StringComparison.Ordinal)) { if (thinkOpen++ == 0) thinkOpenAt = pos; }
                else if (rest.StartsWith(Tags.ThinkClose, StringComparison.Ordinal)) { if (thinkClose++ == 0) thinkCloseAt = pos; }
                else if (rest.StartsWith(Tags.AnswerOpen, StringComparison.Ordinal)) { if (answerOpen++ == 0) answerOpenAt = pos; }
                else if (rest.StartsWith(Tags.AnswerClose, StringComparison.Ordinal)) { if (answerClose++ == 0) answerCloseAt = pos; }
                pos++; // tags contain no '<' after the first char, so the next '<' can start the next tag
            }
        }
        census = new TagCensus(thinkOpen, thinkClose, answerOpen, answerClose, thinkOpenAt, thinkCloseAt, answerOpenAt, answerCloseAt);
        return true;
    }
}
