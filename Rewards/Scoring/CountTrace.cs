namespace Vrm.Rewards;

/// <summary>
/// The counting trace ShapesWorld teaches, <c>&lt;think&gt;item, item, …; label: n&lt;/think&gt;</c>: where its listing is.
/// Shared by the rules that read the reasoning (<see cref="ConsistencyReward"/>, <see cref="GroundingReward"/>).
/// </summary>
internal static class CountTrace
{
    public enum Parse { Found, NotATrace, OverTimeBound }

    /// <summary>The listing: the think block's text before its last ';'. Linear; polls the deadline per chunk.</summary>
    public static Parse TryListing(string text, ScoringDeadline deadline, out ReadOnlyMemory<char> listing) =>
        TryParse(text, deadline, out listing, out _);

    /// <summary>
    /// The listing (the think block's text before its last ';') and the claim (after it: <c>label: n</c>, unparsed).
    /// Linear; polls the deadline per chunk.
    /// </summary>
    public static Parse TryParse(string text, ScoringDeadline deadline, out ReadOnlyMemory<char> listing, out ReadOnlyMemory<char> claim)
    {
        listing = claim = default;
        var span = text.AsSpan();
        if (!BoundedScan.TryIndexOf(span, 0, Tags.ThinkOpen, deadline, out int open)) return Parse.OverTimeBound;
        if (open < 0) return Parse.NotATrace;
        int start = open + Tags.ThinkOpen.Length;
        if (!BoundedScan.TryIndexOf(span, start, Tags.ThinkClose, deadline, out int close)) return Parse.OverTimeBound;
        if (close < 0) return Parse.NotATrace;
        if (deadline.IsExpired) return Parse.OverTimeBound;
        int semicolon = span[start..close].LastIndexOf(';');
        if (semicolon < 0) return Parse.NotATrace;
        listing = text.AsMemory(start, semicolon);
        claim = text.AsMemory(start + semicolon + 1, close - start - semicolon - 1);
        return Parse.Found;
    }

    /// <summary>The listing's comma-separated items, trimmed, empty ones skipped.</summary>
    public static IEnumerable<ReadOnlyMemory<char>> Items(ReadOnlyMemory<char> listing)
    {
        while (!listing.IsEmpty)
        {
            int comma = listing.Span.IndexOf(',');
            var item = comma < 0 ? listing : listing[..comma];
            listing = comma < 0 ? ReadOnlyMemory<char>.Empty : listing[(comma + 1)..];
            var trimmed = Trim(item);
            if (!trimmed.IsEmpty) yield return trimmed;
        }
    }

    private static ReadOnlyMemory<char> Trim(ReadOnlyMemory<char> item)
    {
        var s = item.Span;
        int a = 0, b = s.Length;
        while (a < b && char.IsWhiteSpace(s[a])) a++;
        while (b > a && char.IsWhiteSpace(s[b - 1])) b--;
        return item[a..b];
    }
}
