using Vrm.Rewards;

namespace Vrm.Rewards.Tests;

public class AnswerNormalisationTests
{
    [Theory]
    [InlineData("3", "3.0")]
    [InlineData("2.5", "2.50")]
    [InlineData("1000", "1e3")]
    [InlineData("1000", "10E2")]
    [InlineData("0.001", "1e-3")]
    [InlineData("0", "-0.000")]
    [InlineData("0", "0e99")]
    [InlineData("007", "7")]
    [InlineData("-12.5", "-1.25e1")]
    public void Equal_numbers_have_one_canonical_form(string a, string b)
    {
        Assert.True(NumericAnswer.TryParse(a, out var x));
        Assert.True(NumericAnswer.TryParse(b, out var y));
        Assert.True(x.SameValueAs(y));
    }

    [Theory]
    [InlineData("2.50", false, 2, -1)]
    [InlineData("1000", false, 1, 3)]
    [InlineData("-0.0120e1", true, 2, -2)]
    [InlineData("-0.0", false, 0, 0)]
    public void Canonical_form_is_sign_significant_digits_and_last_digit_exponent(string s, bool negative, int digits, long exponent)
    {
        Assert.True(NumericAnswer.TryParse(s, out var n));
        Assert.Equal((negative, digits, exponent), (n.Negative, n.SignificantDigits, n.LastDigitExponent));
    }

    [Theory]
    [InlineData("3", "-3")]
    [InlineData("12", "21")]
    [InlineData("2.5", "25")]
    [InlineData("1e3", "1e4")]
    [InlineData("0.1", "0.01")]
    public void Different_numbers_differ(string a, string b)
    {
        Assert.True(NumericAnswer.TryParse(a, out var x));
        Assert.True(NumericAnswer.TryParse(b, out var y));
        Assert.False(x.SameValueAs(y));
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData(".")]
    [InlineData("e3")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1.2.3")]
    [InlineData("1,000")]
    [InlineData("3 circles")]
    [InlineData("inf")]
    [InlineData("NaN")]
    [InlineData("\u22123")]          // Unicode minus
    [InlineData("1e1234567890")]     // exponent beyond 9 significant digits
    [InlineData("٣")]                // Arabic-Indic digit: only ASCII digits are numbers
    public void Non_numbers_are_refused(string s)
    {
        Assert.False(NumericAnswer.TryParse(s, out _));
    }

    [Fact]
    public void Huge_numbers_compare_exactly_without_overflow()
    {
        string big = "1" + new string('0', 5000);
        Assert.True(NumericAnswer.TryParse(big, out var x));
        Assert.True(NumericAnswer.TryParse("1e5000", out var y));
        Assert.True(x.SameValueAs(y));
        Assert.True(NumericAnswer.TryParse(big + "1", out var z));
        Assert.False(x.SameValueAs(z));
    }

    [Theory]
    [InlineData("Circle.", "circle")]
    [InlineData("  RED   square\n", "red square")]
    [InlineData("red-square", "red square")]
    [InlineData("Red_Square!", "red square")]
    [InlineData("it's", "its")]
    [InlineData("a\u0001b", "a b")]
    [InlineData("...", "")]
    [InlineData("Ünïcode", "ünïcode")]
    public void Text_is_normalised_for_case_spaces_and_punctuation(string text, string expected)
    {
        Assert.Equal(expected, TextAnswer.Normalize(text, ScoringDeadline.None));
    }

    [Fact]
    public void Lone_surrogates_survive_normalisation()
    {
        Assert.Equal("a\uD800b", TextAnswer.Normalize("A\uD800B", ScoringDeadline.None));
    }

    [Fact]
    public void Normalisation_stops_once_longer_than_the_reference()
    {
        Assert.Equal(TextNormalization.LongerThanLimit, TextAnswer.TryNormalize("Circle circle", ScoringDeadline.None, 6, out _));
        Assert.Equal(TextNormalization.Done, TextAnswer.TryNormalize("  Circle!!! ", ScoringDeadline.None, 6, out string n));
        Assert.Equal("circle", n);
    }
}
