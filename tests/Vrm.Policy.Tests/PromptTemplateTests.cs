using Vrm.Policy;

namespace Vrm.Policy.Tests;

public sealed class PromptTemplateTests
{
    private static readonly VrmTokenizer Tok = VrmTokenizer.Default;

    [Fact]
    public void RenderPutsTheImagePlaceholderFirstAndTheProblemInTheUserTurn()
    {
        var text = PromptTemplate.Default.Render("How many red objects are there?");
        Assert.Equal("<image>\nUSER: How many red objects are there?\nASSISTANT:", text);
        Assert.Equal(Tok.Image, Tok.Encode(text)[0]);
    }

    [Fact]
    public void EncodePromptIsTheRenderedPromptWithoutThePlaceholder()
    {
        foreach (var problem in new[] { "What shape is this?", "", "What is the difference between the tallest and the shortest bar?", "{problem} <image> 12" })
        {
            var full = Tok.Encode(PromptTemplate.Default.Render(problem));
            var prompt = PromptTemplate.Default.EncodePrompt(Tok, problem);
            Assert.Equal(full[1..], prompt);
            Assert.DoesNotContain(Tok.Bos, prompt);
            Assert.Equal("\nUSER: " + problem + "\nASSISTANT:", Tok.Decode(prompt));
        }
    }

    [Fact]
    public void PromptPlusCompletionEncodesLikeTheWholeSequence()
    {
        // Completions start with <think>, a special token, so encoding them apart from the prompt loses nothing.
        const string problem = "How many more red objects than blue ones?";
        const string completion = "<think>red circle, red square, blue triangle; red: 2, blue: 1</think><answer>1</answer>";
        var apart = PromptTemplate.Default.EncodePrompt(Tok, problem).Concat(Tok.Encode(completion));
        var whole = Tok.Encode(PromptTemplate.Default.Render(problem) + completion)[1..];
        Assert.Equal(whole, apart);
    }

    [Fact]
    public void TaskPromptsLeaveRoomForACompletionInTheDefaultModel()
    {
        // The LM's MaxSeqLen holds BOS + visual tokens + prompt + completion (64 tokens by default, DESIGN §4).
        var cfg = Vrm.Policy.Config.VrmConfig.Default;
        var n = PromptTemplate.Default.EncodePrompt(Tok, "What is the difference between the tallest and the shortest bar?").Length;
        Assert.True(1 + cfg.Vision.NumPatches + n + 64 <= cfg.LanguageModel.MaxSeqLen,
            $"prompt of {n} tokens + {cfg.Vision.NumPatches} visual + 64 completion exceeds MaxSeqLen {cfg.LanguageModel.MaxSeqLen}");
        // Task words are merged: the prompt is far shorter than its UTF-8 byte count.
        Assert.True(n * 2 < "\nUSER: What is the difference between the tallest and the shortest bar?\nASSISTANT:".Length);
    }

    [Fact]
    public void BadTemplatesAreRejectedWithTheReason()
    {
        Assert.Contains("start with <image>", Assert.Throws<ArgumentException>(() => new PromptTemplate("USER: {problem}\nASSISTANT:")).Message);
        Assert.Contains("exactly once", Assert.Throws<ArgumentException>(() => new PromptTemplate("<image>\nUSER: hi\nASSISTANT:")).Message);
        Assert.Contains("exactly once", Assert.Throws<ArgumentException>(() => new PromptTemplate("<image>{problem}{problem}")).Message);
        Assert.Contains("<image> once", Assert.Throws<ArgumentException>(() => new PromptTemplate("<image>{problem}<image>")).Message);
        var custom = new PromptTemplate("<image>Q: {problem} A:");
        Assert.Equal("<image>Q: 2+2? A:", custom.Render("2+2?"));
    }
}
