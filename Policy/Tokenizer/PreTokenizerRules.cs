using System.Text.RegularExpressions;

namespace Vrm.Policy;

/// <summary>
/// How text is cut into words before BPE. The rule lives in code, named in the tokenizer file, because
/// losslessness depends on it: every character must fall in some alternative or the library drops it.
/// </summary>
public static class PreTokenizerRules
{
    /// <summary>
    /// GPT-2's split, except numbers are cut into single digits (so "12" is "1","2" and arithmetic is
    /// compositional). The alternatives cover every UTF-16 unit: letters, single \p{N} digits, runs of
    /// whitespace, and runs of everything else — astral characters are surrogate pairs, which are neither
    /// \s, \p{L} nor \p{N}, so both halves always land in the same "everything else" run.
    /// </summary>
    public const string Gpt2SingleDigits = "gpt2-single-digits";

    private const string Gpt2SingleDigitsPattern =
        @"'(?:s|t|re|ve|m|ll|d)| ?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static bool IsKnown(string name) => name == Gpt2SingleDigits;

    public static Regex Regex(string name) => name switch
    {
        Gpt2SingleDigits => new Regex(Gpt2SingleDigitsPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant),
        _ => throw new ArgumentException($"unknown pre-tokenizer rule '{name}'"),
    };
}
