namespace Vrm.Rewards;

/// <summary>Outcome of looking for the answer block in a text.</summary>
public enum AnswerExtraction { Found, NoAnswerTag, UnclosedAnswerTag, OverTimeBound }

/// <summary>
/// Finds the answer: the text between the FIRST <c>&lt;answer&gt;</c> and the first <c>&lt;/answer&gt;</c>
/// after it, trimmed of surrounding whitespace (newlines included). FIRST, as R1-V's <c>re.search</c>
/// takes the first match: a completion that writes several answers gains nothing from the later ones
/// (and loses the format reward). Nested tags are not balanced: in <c>&lt;answer&gt;&lt;answer&gt;3&lt;/answer&gt;&lt;/answer&gt;</c>
/// the answer is "&lt;answer&gt;3", which matches nothing.
/// </summary>
public static class AnswerExtractor
{
    public static AnswerExtraction TryExtract(ReadOnlySpan<char> text, ScoringDeadline deadline, out Range answer)
    {
        answer = default;
        if (!BoundedScan.TryIndexOf(text, 0, Tags.AnswerOpen, deadline, out int open)) return AnswerExtraction.OverTimeBound;
        if (open < 0) return AnswerExtraction.NoAnswerTag;
        int contentStart = open + Tags.AnswerOpen.Length;
        if (!BoundedScan.TryIndexOf(text, contentStart, Tags.AnswerClose, deadline, out int close)) return AnswerExtraction.OverTimeBound;
        if (close < 0) return AnswerExtraction.UnclosedAnswerTag;
        answer = Trim(text, contentStart, close);
        return AnswerExtraction.Found;
    }

    /// <summary>
    /// The reference answer of a dataset <c>solution</c>: the content of its first answer block when it
    /// has one (R1-V style "&lt;answer&gt;3&lt;/answer&gt;"), else the whole text (a bare "3"), trimmed.
    /// An unclosed answer tag makes the solution invalid (NoAnswerTag is never returned).
    /// </summary>
    public static AnswerExtraction TryExtractReference(ReadOnlySpan<char> solution, ScoringDeadline deadline, out Range reference)
    {
        var outcome = TryExtract(solution, deadline, out reference);
        if (outcome == AnswerExtraction.NoAnswerTag)
        {
            reference = Trim(solution, 0, solution.Length);
            return AnswerExtraction.Found;
        }
        return outcome;
    }

    private static Range Trim(ReadOnlySpan<char> text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return start..end;
    }
}
