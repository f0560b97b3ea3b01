using System.Text;

namespace Vrm.Rewards;

/// <summary>
/// An answer read as an exact decimal number, in canonical form: sign, significant digits without
/// leading or trailing zeros, and the power of ten of the last digit. Two numbers are equal exactly
/// when their canonical forms are: "3" = "3.0" = "+3" = "3." = "0.3e1", "2.50" = "2.5", "1e3" = "1000",
/// "-0" = "0". No floating point, so no rounding, no overflow and no tolerance: "0.333" ≠ "1/3".
/// Accepted: <c>[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?</c>, nothing else
/// (no thousands separators, units, fractions, percent, "inf"/"nan", Unicode minus).
/// </summary>
public readonly record struct NumericAnswer(bool Negative, string Digits, long Exponent)
{
    // A larger exponent is not a number any model means; capping it keeps the arithmetic in a long.
    private const int MaxExponentDigits = 9;

    public static bool TryParse(ReadOnlySpan<char> s, out NumericAnswer number)
    {
        number = default;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }

        int intStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        var intDigits = s[intStart..i];
        var fracDigits = ReadOnlySpan<char>.Empty;
        if (i < s.Length && s[i] == '.')
        {
            int fracStart = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            fracDigits = s[fracStart..i];
        }
        if (intDigits.IsEmpty && fracDigits.IsEmpty) return false;

        long exponent = 0;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            bool expNegative = false;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) { expNegative = s[i] == '-'; i++; }
            int expStart = i;
            while (i < s.Length && s[i] == '0') i++;
            int significantStart = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == expStart || i - significantStart > MaxExponentDigits) return false;
            foreach (char c in s[significantStart..i]) exponent = exponent * 10 + (c - '0');
            if (expNegative) exponent = -exponent;
        }
        if (i != s.Length) return false;

        // Significant digits = integer digits then fraction digits, without leading zeros.
        var digits = new StringBuilder(intDigits.Length + fracDigits.Length);
        foreach (char c in intDigits) if (digits.Length > 0 || c != '0') digits.Append(c);
        foreach (char c in fracDigits) if (digits.Length > 0 || c != '0') digits.Append(c);
        exponent -= fracDigits.Length;
        int trailingZeros = 0;
        while (trailingZeros < digits.Length && digits[digits.Length - 1 - trailingZeros] == '0') trailingZeros++;
        digits.Length -= trailingZeros;
        exponent += trailingZeros;

        number = digits.Length == 0
            ? new NumericAnswer(false, "", 0) // zero has one form, whatever its sign or spelling
            : new NumericAnswer(negative, digits.ToString(), exponent);
        return true;
    }
}
