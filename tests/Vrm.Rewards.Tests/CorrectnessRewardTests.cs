using Vrm.Rewards;

namespace Vrm.Rewards.Tests;

public class CorrectnessRewardTests
{
    private static RewardScore Score(string completion, string solution) =>
        CorrectnessReward.Instance.Score(completion, solution, "count");

    private static string Wrap(string answer) => $"<think>counting</think><answer>{answer}</answer>";

    [Theory]
    [InlineData("3", "<answer>3</answer>")]
    [InlineData("3", "3")]                       // bare reference
    [InlineData("3.0", "3")]
    [InlineData(" 3 ", "3")]
    [InlineData("\n3\n", "<answer>\n3\n</answer>")]
    [InlineData("+3", "3")]
    [InlineData("3.", "3")]
    [InlineData("2.50", "2.5")]
    [InlineData("-1", "-1")]
    [InlineData("1e3", "1000")]
    [InlineData("1E+3", "1000.000")]
    [InlineData(".5", "0.5")]
    [InlineData("-0", "0")]
    [InlineData("Circle.", "circle")]
    [InlineData("  CIRCLE ", "<answer>Circle</answer>")]
    [InlineData("red-square", "Red square")]
    [InlineData("left\tof  the\nblue", "left of the blue")]
    public void Matching_answers_score_one(string answer, string solution)
    {
        Assert.Equal(RewardScore.Pass, Score(Wrap(answer), solution));
    }

    [Theory]
    [InlineData("4", "3", RewardReason.WrongAnswer)]
    [InlineData("-1", "1", RewardReason.WrongAnswer)]
    [InlineData("2.51", "2.5", RewardReason.WrongAnswer)]
    [InlineData("three", "3", RewardReason.NotANumber)]
    [InlineData("3 circles", "3", RewardReason.NotANumber)]
    [InlineData("1,000", "1000", RewardReason.NotANumber)]
    [InlineData("circles", "circle", RewardReason.WrongAnswer)]  // plurals are different answers (documented)
    [InlineData("a circle", "circle", RewardReason.WrongAnswer)] // articles are not stripped
    [InlineData("square", "circle", RewardReason.WrongAnswer)]
    [InlineData("   ", "3", RewardReason.EmptyAnswer)]
    [InlineData("", "circle", RewardReason.EmptyAnswer)]
    public void Non_matching_answers_score_zero_with_a_reason(string answer, string solution, RewardReason reason)
    {
        Assert.Equal(RewardScore.Fail(reason), Score(Wrap(answer), solution));
    }

    [Fact]
    public void Missing_or_unclosed_answer_tags_are_told_apart()
    {
        Assert.Equal(RewardReason.NoAnswerTag, Score("<think>3</think> 3", "3").Reason);
        Assert.Equal(RewardReason.NoAnswerTag, Score("<ANSWER>3</ANSWER>", "3").Reason); // tags are case-sensitive
        Assert.Equal(RewardReason.UnclosedAnswerTag, Score("<think>x</think><answer>3", "3").Reason);
        Assert.Equal(RewardReason.UnclosedAnswerTag, Score("</answer>3<answer>", "3").Reason);
    }

    [Fact]
    public void The_first_answer_block_is_the_answer()
    {
        const string twoAnswers = "<think>x</think><answer>3</answer><answer>4</answer>";
        Assert.Equal(RewardScore.Pass, Score(twoAnswers, "3"));
        Assert.Equal(RewardReason.WrongAnswer, Score(twoAnswers, "4").Reason);
    }

    [Fact]
    public void Nested_answer_tags_are_not_balanced()
    {
        // The first block runs from the first "<answer>" to the first "</answer>": its content is "<answer>3".
        Assert.Equal(RewardReason.NotANumber, Score("<answer><answer>3</answer></answer>", "3").Reason);
        Assert.Equal(RewardReason.WrongAnswer, Score("<answer><answer>circle</answer></answer>", "circle").Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<answer>3")]
    [InlineData("<answer> </answer>")]
    public void A_bad_reference_is_an_invalid_solution_not_a_wrong_answer(string solution)
    {
        Assert.Equal(RewardScore.Fail(RewardReason.InvalidSolution), Score(Wrap("3"), solution));
    }

    [Fact]
    public void A_reference_of_only_punctuation_is_compared_verbatim()
    {
        Assert.Equal(RewardScore.Pass, Score(Wrap("?!"), "?!"));
        Assert.Equal(RewardReason.EmptyAnswer, Score(Wrap(""), "?!").Reason);
        Assert.Equal(RewardReason.WrongAnswer, Score(Wrap("."), "?!").Reason);
    }

    [Fact]
    public void Null_arguments_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentNullException>(() => CorrectnessReward.Instance.Score(null!, "3", "count"));
        Assert.Equal("completion", e.ParamName);
    }
}
