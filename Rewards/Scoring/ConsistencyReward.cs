namespace Vrm.Rewards;

/// <summary>
/// Reasoning–answer consistency for counting traces (GRPO-CARE, Chen et al. 2025: outcome-only GRPO lets the answer
/// drift away from the reasoning). A count trace is <c>&lt;think&gt;item, item, …; label: n&lt;/think&gt;&lt;answer&gt;n&lt;/answer&gt;</c>
/// where an item is "colour shape". The completion is consistent (1) when n is the number of its own listed items the
/// label selects and the answer is n; otherwise 0. The label selects: <c>total</c> every item; one word, the items of that
/// colour or whose shape's plural it is (<c>red</c>, <c>circles</c>); two words, colour and shape plural
/// (<c>red circles</c>). It never looks at the reference: a consistent completion can be wrong, a right answer that does
/// not follow from the listing scores 0 — the guess GRPO otherwise rewards as often as the count.
/// Measured on this project's ShapesWorld runs (issue 4 notes). GRPO on colour/shape/pair questions alone with
/// correctness alone cut the answer loose from the listing: 22 % of greedy answers were consistent, against 65 % at the
/// SFT start (counted by a script applying this rule to the saved eval samples).
/// Trained with weight 0.5, GRPO reached 99.7 % consistency, but by writing whichever label selected its guessed count:
/// the asked category was named for 2 % of colour questions. The scorer does not see the question, so the label is
/// free. That is why the default weight is 0; the component is still scored and reported on every run.
/// Completions whose reasoning is not a count trace score 0 (<see cref="RewardReason.NotACountTrace"/>); within one
/// prompt's group that is a constant, so it moves no advantage.
/// </summary>
public sealed class ConsistencyReward : RewardFunction
{
    public static ConsistencyReward Instance { get; } = new();

    /// <summary>Longest number a claim may carry; longer digit runs are not counts.</summary>
    private const int MaxDigits = 6;

    public override string Name => "consistency";

    protected override RewardScore ScoreCore(string completion, string solution, string task, ScoringDeadline deadline)
    {
        var text = completion.AsSpan();
        switch (CountTrace.TryParse(completion, deadline, out var listing, out var claimText))
        {
            case CountTrace.Parse.OverTimeBound: return RewardScore.Fail(RewardReason.OverTimeBound);
            case CountTrace.Parse.NotATrace: return RewardScore.Fail(RewardReason.NotACountTrace);
        }
        var claim = claimText.Span;
        int colon = claim.LastIndexOf(':');
        if (colon < 0) return RewardScore.Fail(RewardReason.NotACountTrace);
        var label = claim[..colon].Trim();
        if (!TryParseCount(claim[(colon + 1)..].Trim(), out int claimed) || label.IsEmpty) return RewardScore.Fail(RewardReason.NotACountTrace);

        if (deadline.IsExpired) return RewardScore.Fail(RewardReason.OverTimeBound);
        int selected = CountSelected(listing.Span, label, deadline, out bool expired);
        if (expired) return RewardScore.Fail(RewardReason.OverTimeBound);

        switch (AnswerExtractor.TryExtract(text, deadline, out var answerRange))
        {
            case AnswerExtraction.OverTimeBound: return RewardScore.Fail(RewardReason.OverTimeBound);
            case AnswerExtraction.Found: break;
            default: return RewardScore.Fail(RewardReason.Inconsistent);
        }
        bool consistent = selected == claimed && TryParseCount(text[answerRange], out int answered) && answered == claimed;
        return consistent ? RewardScore.Pass : RewardScore.Fail(RewardReason.Inconsistent);
    }

    /// <summary>Items of the comma-separated list the label selects. Linear: one pass, deadline polled per chunk.</summary>
    private static int CountSelected(ReadOnlySpan<char> items, ReadOnlySpan<char> label, ScoringDeadline deadline, out bool expired)
    {
        expired = false;
        bool total = label.SequenceEqual("total");
        int space = label.IndexOf(' ');
        var wantColour = space < 0 ? label : label[..space];
        var wantShapes = space < 0 ? label : label[(space + 1)..].Trim();
        bool pair = space >= 0;
        int count = 0, sinceCheck = 0;
        while (!items.IsEmpty)
        {
            int comma = items.IndexOf(',');
            var item = (comma < 0 ? items : items[..comma]).Trim();
            items = comma < 0 ? [] : items[(comma + 1)..];
            sinceCheck += item.Length + 1;
            if (sinceCheck >= ScoringDeadline.CheckEveryChars)
            {
                sinceCheck = 0;
                if (deadline.IsExpired) { expired = true; return 0; }
            }
            if (item.IsEmpty) continue;
            if (total) { count++; continue; }
            int gap = item.IndexOf(' ');
            if (gap < 0) continue;
            var colour = item[..gap];
            var shape = item[(gap + 1)..].Trim();
            bool colourMatches = colour.SequenceEqual(wantColour);
            bool shapeMatches = IsPluralOf(wantShapes, shape);
            if (pair ? colourMatches && shapeMatches : colourMatches || shapeMatches) count++;
        }
        return count;
    }

    /// <summary>English plural as the data writes it: +es after s, x, z, ch, sh; +s otherwise (cross → crosses, circle → circles).</summary>
    private static bool IsPluralOf(ReadOnlySpan<char> plural, ReadOnlySpan<char> singular)
    {
        if (singular.IsEmpty || !plural.StartsWith(singular)) return false;
        var suffix = plural[singular.Length..];
        bool sibilant = singular.EndsWith("s") || singular.EndsWith("x") || singular.EndsWith("z") || singular.EndsWith("ch") || singular.EndsWith("sh");
        return suffix.SequenceEqual(sibilant ? "es" : "s");
    }

    private static bool TryParseCount(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > MaxDigits) return false;
        foreach (char c in s)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
