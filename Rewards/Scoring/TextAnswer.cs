using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Vrm.Rewards;

/// <summary>Outcome of normalising a text answer.</summary>
public enum TextNormalization { Done, LongerThanLimit, OverTimeBound }

/// <summary>
/// Normalises a text answer so that trivially different spellings compare equal: lower case
/// (invariant culture); dashes, connectors ('_'), whitespace and control characters become a single
/// space; other punctuation and symbols are dropped; leading and trailing spaces go.
/// "Circle." = "circle" = "  CIRCLE ", "red-square" = "red square" = "Red_Square".
/// Deliberately NOT normalised: plurals ("circles" ≠ "circle": the generator's answers use one
/// canonical word, and stripping a trailing "s" would merge real distinct answers such as "glass"),
/// articles ("a circle" ≠ "circle") and synonyms. Lone UTF-16 surrogates are kept as they are.
/// </summary>
public static class TextAnswer
{
    /// <summary>The normalised text, or null when the deadline expired first.</summary>
    public static string? Normalize(ReadOnlySpan<char> text, ScoringDeadline deadline) =>
        TryNormalize(text, deadline, int.MaxValue, out string normalized) == TextNormalization.Done ? normalized : null;

    /// <summary>
    /// Normalises, giving up as soon as the result would exceed <paramref name="maxLength"/> chars: an
    /// answer longer than the normalised reference cannot equal it, so a megabyte answer costs no
    /// more than the reference's length plus the punctuation and spaces skipped on the way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TextNormalization TryNormalize(ReadOnlySpan<char> text, ScoringDeadline deadline, int maxLength, out string normalized)
    {
        normalized = "";
        var result = new StringBuilder(Math.Min(text.Length, maxLength));
        bool pendingSpace = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (i > 0 && i % ScoringDeadline.CheckEveryChars == 0 && deadline.IsExpired) return TextNormalization.OverTimeBound;
            char c = text[i];
            if (char.IsWhiteSpace(c) || char.IsControl(c) || IsSeparatorPunctuation(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }
            if (char.IsPunctuation(c) || char.IsSymbol(c)) continue;
            if (result.Length + (pendingSpace ? 2 : 1) > maxLength) return TextNormalization.LongerThanLimit;
            if (pendingSpace) { result.Append(' '); pendingSpace = false; }
            result.Append(char.ToLowerInvariant(c));
        }
        normalized = result.ToString();
        return TextNormalization.Done;
    }

    private static bool IsSeparatorPunctuation(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.DashPunctuation or UnicodeCategory.ConnectorPunctuation;
}
