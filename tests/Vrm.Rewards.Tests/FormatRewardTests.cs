using Vrm.Rewards;

namespace Vrm.Rewards.Tests;

public class FormatRewardTests
{
    private static RewardScore Score(string completion) => FormatReward.Instance.Score(completion, "3", "count");

    [Theory]
    [InlineData("<think>two plus one</think><answer>3</answer>")]
    [InlineData("\n  <think>\nline one\nline two\n</think>\n\n<answer> 3 </answer>\n")]
    [InlineData("<think></think><answer></answer>")] // empty blocks are a format pass; correctness fails them
    [InlineData("<think>a < b and b > c</think>\t<answer>x</answer>")]
    [InlineData("<think>I <thought> about </answerish></think><answer>3</answer>")]
    public void Exactly_one_think_then_one_answer_passes(string completion)
    {
        Assert.Equal(RewardScore.Pass, Score(completion));
    }

    [Theory]
    [InlineData("<answer>3</answer>", RewardReason.MissingTags)]
    [InlineData("<think>x</think>", RewardReason.MissingTags)]
    [InlineData("<think>x</think><answer>3", RewardReason.MissingTags)]
    [InlineData("", RewardReason.MissingTags)]
    [InlineData("<think>x</think><answer>3</answer><answer>3</answer>", RewardReason.RepeatedTags)]
    [InlineData("<think>x</think><think>y</think><answer>3</answer>", RewardReason.RepeatedTags)]
    [InlineData("<think><think>x</think></think><answer>3</answer>", RewardReason.RepeatedTags)]
    [InlineData("<think>x</think>y</think><answer>3</answer>", RewardReason.RepeatedTags)] // R1-V's lazy regex accepts this one
    [InlineData("<answer>3</answer><think>x</think>", RewardReason.TagsOutOfOrder)]
    [InlineData("<think><answer>3</think></answer>", RewardReason.TagsOutOfOrder)]
    [InlineData("</think>x<think><answer>3</answer>", RewardReason.TagsOutOfOrder)]
    [InlineData("Sure! <think>x</think><answer>3</answer>", RewardReason.TextOutsideTags)]
    [InlineData("<think>x</think> so <answer>3</answer>", RewardReason.TextOutsideTags)]
    [InlineData("<think>x</think><answer>3</answer> Hope this helps.", RewardReason.TextOutsideTags)]
    [InlineData("<think>x</think><answer>3</answer>\0", RewardReason.TextOutsideTags)] // a control char is not whitespace
    public void Anything_else_fails_with_a_reason(string completion, RewardReason reason)
    {
        Assert.Equal(RewardScore.Fail(reason), Score(completion));
    }

    [Fact]
    public void Tags_straddling_the_scan_chunk_edge_are_found()
    {
        // Place "</think>" across the 32 K poll boundary of the scanner.
        int pad = ScoringDeadline.CheckEveryChars - "<think>".Length - 3;
        string completion = "<think>" + new string('a', pad) + "</think><answer>3</answer>";
        Assert.Equal(RewardScore.Pass, Score(completion));
        string withStrayTag = "<think>" + new string('a', pad) + "</think></think><answer>3</answer>";
        Assert.Equal(RewardReason.RepeatedTags, Score(withStrayTag).Reason);
    }
}
