using System.Globalization;
using System.Text;

namespace Vrm.Rewards;

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
    public static string? Normalize(ReadOnlySpan<char> text, ScoringDeadline deadline)
    {
        var result = new StringBuilder(text.Length);
        bool pendingSpace = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (i % ScoringDeadline.CheckEveryChars == 0 && deadline.IsExpired) return null;
            char c = text[i];
            if (char.IsWhiteSpace(c) || char.IsControl(c) || IsSeparatorPunctuation(c))
            {
                pendingSpace = result.Length > 0;
                continue;
            }
            if (char.IsPunctuation(c) || char.IsSymbol(c)) continue;
            if (pendingSpace) { result.Append(' '); pendingSpace = false; }
            result.Append(char.ToLowerInvariant(c));
        }
        return result.ToString();
    }

    private static bool IsSeparatorPunctuation(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.DashPunctuation or UnicodeCategory.ConnectorPunctuation;
}
