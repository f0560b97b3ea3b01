using System.Runtime.CompilerServices;

namespace Vrm.Rewards;

/// <summary>
/// An answer read as an exact decimal number. Two numbers are equal exactly when they have the same
/// sign, the same significant digits (no leading or trailing zeros) and the same power of ten for the
/// last digit: "3" = "3.0" = "+3" = "3." = "0.3e1", "2.50" = "2.5", "1e3" = "1000", "-0" = "0".
/// No floating point, so no rounding, no overflow and no tolerance: "0.333" ≠ "1/3".
/// Accepted: <c>[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?</c>, nothing else
/// (no thousands separators, units, fractions, percent, "inf"/"nan", Unicode minus, non-ASCII digits).
/// A view over the parsed text: parsing and comparing allocate nothing, so a megabyte of digits
/// costs two linear passes and no garbage collection.
/// </summary>
public readonly ref struct NumericAnswer
{
    // A larger exponent is not a number any model means; capping it keeps the arithmetic in a long.
    private const int MaxExponentDigits = 9;

    private readonly ReadOnlySpan<char> _integer;  // integer digits as written
    private readonly ReadOnlySpan<char> _fraction; // fraction digits as written
    private readonly int _first;                   // index of the first significant digit in integer ++ fraction
    private readonly int _last;                    // index of the last non-zero digit in integer ++ fraction

    /// <summary>True for a negative non-zero number (zero has no sign).</summary>
    public bool Negative { get; }
    /// <summary>Number of significant digits; 0 for zero.</summary>
    public int SignificantDigits => IsZero ? 0 : _last - _first + 1;
    /// <summary>Power of ten of the last significant digit: 2.5 → -1, 1000 → 3.</summary>
    public long LastDigitExponent { get; }
    public bool IsZero => _first < 0;

    private NumericAnswer(bool negative, ReadOnlySpan<char> integer, ReadOnlySpan<char> fraction, long exponent)
    {
        _integer = integer;
        _fraction = fraction;
        int length = integer.Length + fraction.Length;
        _first = -1;
        _last = -1;
        for (int i = 0; i < length; i++) if (DigitAt(i) != '0') { _first = i; break; }
        if (_first >= 0) for (int i = length - 1; i >= _first; i--) if (DigitAt(i) != '0') { _last = i; break; }
        Negative = negative && _first >= 0;
        LastDigitExponent = _first < 0 ? 0 : exponent + (integer.Length - 1 - _last);
    }

    private char DigitAt(int i) => i < _integer.Length ? _integer[i] : _fraction[i - _integer.Length];

    /// <summary>Exact numeric equality.</summary>
    public bool SameValueAs(NumericAnswer other)
    {
        if (IsZero || other.IsZero) return IsZero && other.IsZero;
        if (Negative != other.Negative || LastDigitExponent != other.LastDigitExponent || SignificantDigits != other.SignificantDigits) return false;
        for (int k = 0; k < SignificantDigits; k++)
            if (DigitAt(_first + k) != other.DigitAt(other._first + k)) return false;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParse(ReadOnlySpan<char> s, out NumericAnswer number)
    {
        number = default;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }

        int intStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        var integer = s[intStart..i];
        var fraction = ReadOnlySpan<char>.Empty;
        if (i < s.Length && s[i] == '.')
        {
            int fracStart = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            fraction = s[fracStart..i];
        }
        if (integer.IsEmpty && fraction.IsEmpty) return false;

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

        number = new NumericAnswer(negative, integer, fraction, exponent);
        return true;
    }
}
