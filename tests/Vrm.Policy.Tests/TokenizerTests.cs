using System.Text;
using Vrm.Policy;
using Vrm.Policy.Config;

namespace Vrm.Policy.Tests;

public sealed class TokenizerTests
{
    private static readonly VrmTokenizer Tok = VrmTokenizer.Default;

    [Fact]
    public void DefaultVocabularyIsSmallAndMatchesTheModelConfig()
    {
        Assert.InRange(Tok.VocabSize, 300, 1024);
        Assert.Equal(Tok.VocabSize, new LanguageModelConfig().VocabSize);
        int[] ids = [Tok.Pad, Tok.Bos, Tok.Eos, Tok.Image, Tok.ThinkOpen, Tok.ThinkClose, Tok.AnswerOpen, Tok.AnswerClose];
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 0, Tok.VocabSize - 1));
    }

    [Fact]
    public void TaskWordsAreSingleTokensAndDigitsAreSeparate()
    {
        foreach (var w in TaskLanguageCorpus.Colors.Concat(TaskLanguageCorpus.Shapes).Concat(TaskLanguageCorpus.Sizes))
            Assert.True(Tok.Encode(" " + w).Length == 1, $"' {w}' should be one token, got {Tok.Encode(" " + w).Length}");
        // Digits never merge: "1234" is four tokens, each the digit's byte token.
        var digits = Tok.Encode("1234");
        Assert.Equal(4, digits.Length);
        Assert.Equal(["1", "2", "3", "4"], digits.Select(Tok.TokenText));
        Assert.True(Tok.Encode("How many red objects are there?").Length <= 8);
    }

    [Fact]
    public void LiteralTagsInTextEncodeToSpecialIds()
    {
        var ids = Tok.Encode("<think>red: 2</think><answer>2</answer>");
        Assert.Equal(Tok.ThinkOpen, ids[0]);
        Assert.Equal(Tok.AnswerClose, ids[^1]);
        Assert.Contains(Tok.ThinkClose, ids);
        Assert.Contains(Tok.AnswerOpen, ids);
        Assert.Equal([Tok.Image], Tok.Encode("<image>"));
        // A tag broken by other text is plain bytes and still round-trips.
        var broken = "<ans<answer>wer> </answer";
        Assert.Equal(1, Tok.Encode(broken).Count(id => id == Tok.AnswerOpen));
        Assert.Equal(broken, Tok.Decode(Tok.Encode(broken)));
    }

    [Fact]
    public void ControlTokensNeverComeFromTextAndDecodeToNothing()
    {
        var text = "<|bos|><|eos|><|pad|>";
        var ids = Tok.Encode(text);
        Assert.DoesNotContain(Tok.Bos, ids);
        Assert.DoesNotContain(Tok.Eos, ids);
        Assert.DoesNotContain(Tok.Pad, ids);
        Assert.Equal(text, Tok.Decode(ids));
        var answer = Tok.Encode("<answer>7</answer>");
        int[] framed = [Tok.Bos, .. answer, Tok.Eos, Tok.Pad, Tok.Pad];
        Assert.Equal("<answer>7</answer>", Tok.Decode(framed));
    }

    [Fact]
    public void RandomTextAlwaysRoundTrips()
    {
        var rng = new Random(20240601);
        int checkedCount = 0;
        for (int n = 0; n < 12_000; n++)
        {
            var text = RandomText(rng);
            int[] ids = Tok.Encode(text);
            Assert.All(ids, id => Assert.InRange(id, 0, Tok.VocabSize - 1));
            var back = Tok.Decode(ids);
            if (back != text) Assert.Fail($"round-trip failed for {Escape(text)}: got {Escape(back)}");
            checkedCount++;
        }
        Assert.Equal(12_000, checkedCount);
    }

    [Fact]
    public void ConcurrentUseGivesTheSameIds()
    {
        // One Default instance is shared by data loaders, samplers and the reward path on different threads.
        var texts = Enumerable.Range(0, 400).Select(i => $"How many {TaskLanguageCorpus.Colors[i % 14]} objects are there? {i} <answer>{i % 10}</answer>").ToArray();
        var expected = texts.Select(t => Tok.Encode(t)).ToArray();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int i = 0; i < texts.Length; i++)
            {
                Assert.Equal(expected[i], Tok.Encode(texts[i]));
                Assert.Equal(texts[i], Tok.Decode(expected[i]));
            }
        });
    }

    [Fact]
    public void LoneSurrogatesDecodeToReplacementCharacter()
    {
        // Invalid UTF-16 cannot be carried through UTF-8, so this is the defined, lossy behaviour.
        foreach (var (input, expected) in new[]
        {
            ("\uD800", "\uFFFD"), ("a\uDC00b", "a\uFFFDb"), ("\uDBFF\uD83D\uDE00", "\uFFFD\U0001F600"),
            ("x\uD83D", "x\uFFFD"), ("\uDE00\uD83D", "\uFFFD\uFFFD"),
        })
        {
            Assert.Equal(expected, Tok.Decode(Tok.Encode(input)));
            Assert.Equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(input)), expected); // same as .NET's UTF-8
        }
        var rng = new Random(7);
        for (int n = 0; n < 2_000; n++)
        {
            var chars = Enumerable.Range(0, rng.Next(1, 12)).Select(_ => rng.Next(4) == 0 ? (char)rng.Next(0xD800, 0xE000) : (char)rng.Next(32, 0x3000)).ToArray();
            var text = new string(chars);
            Assert.Equal(VrmTokenizer.ReplaceLoneSurrogates(text), Tok.Decode(Tok.Encode(text)));
        }
    }

    [Fact]
    public void AnyIdSequenceDecodesWithoutThrowing()
    {
        // A sampling model may emit half of a multi-byte character; that decodes to U+FFFD, never throws.
        var rng = new Random(11);
        for (int n = 0; n < 3_000; n++)
        {
            var ids = Enumerable.Range(0, rng.Next(0, 20)).Select(_ => rng.Next(Tok.VocabSize)).ToArray();
            Assert.NotNull(Tok.Decode(ids));
        }
        var firstHalfOfEmoji = Tok.Encode("\U0001F600")[..2];
        Assert.Equal("\uFFFD", Tok.Decode(firstHalfOfEmoji));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([Tok.VocabSize]));
        Assert.Contains($"token id {Tok.VocabSize}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([-1]));
    }

    [Fact]
    public void SaveThenLoadGivesTheSameTokenizer()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vrm-tok-{Guid.NewGuid():N}.json");
        try
        {
            Tok.Save(path);
            var again = VrmTokenizer.Load(path);
            Assert.Equal(Tok.VocabSize, again.VocabSize);
            const string text = "<image>\nUSER: How many more red objects than blue ones?\nASSISTANT:<think>red: 3, blue: 1</think><answer>2</answer>";
            Assert.Equal(Tok.Encode(text), again.Encode(text));
            Assert.Equal(File.ReadAllText(VrmTokenizer.DefaultPath), File.ReadAllText(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadTokenizerFilesFailWithTheProblemNamed()
    {
        var dir = Directory.CreateTempSubdirectory("vrm-tok-bad").FullName;
        try
        {
            string Write(string name, string json) { var p = Path.Combine(dir, name); File.WriteAllText(p, json); return p; }
            var missing = Path.Combine(dir, "nope.json");
            Assert.Contains("not found", Assert.Throws<FileNotFoundException>(() => VrmTokenizer.Load(missing)).Message);
            Assert.Contains("not a tokenizer file", Assert.Throws<InvalidDataException>(() => VrmTokenizer.Load(Write("garbage.json", "{ not json"))).Message);

            var good = Tok.File;
            var noByte = good with { Vocab = good.Vocab.Where(t => t != "Ġ").ToList(), Merges = [] };
            Assert.Contains("byte token 0x20 is missing", Assert.Throws<InvalidDataException>(() => VrmTokenizer.Load(Write("nobyte.json", noByte.ToJson()))).Message);
            var badMerge = good with { Merges = [.. good.Merges, "Ġzz qq"] };
            Assert.Contains("not in vocab", Assert.Throws<InvalidDataException>(() => VrmTokenizer.Load(Write("merge.json", badMerge.ToJson()))).Message);
            var noAnswer = good with { SpecialTokens = good.SpecialTokens.Where(t => t != "<answer>").ToList() };
            Assert.Contains("'<answer>' is missing", Assert.Throws<InvalidDataException>(() => VrmTokenizer.Load(Write("special.json", noAnswer.ToJson()))).Message);
            var dup = good with { Vocab = [.. good.Vocab, good.Vocab[300]] };
            Assert.Contains("appears twice", Assert.Throws<InvalidDataException>(() => VrmTokenizer.Load(Write("dup.json", dup.ToJson()))).Message);
            var otherFormat = good with { Format = "hf-tokenizers" };
            Assert.Contains("format", Assert.Throws<InvalidDataException>(() => VrmTokenizer.Load(Write("fmt.json", otherFormat.ToJson()))).Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// The committed vocabulary is exactly what <see cref="BpeVocabularyTrainer"/> learns from
    /// <see cref="TaskLanguageCorpus"/>. To regenerate after changing the corpus:
    /// <c>VRM_WRITE_VOCAB=$PWD/Policy/Assets/tokenizer.json dotnet test tests/Vrm.Policy.Tests --filter CommittedVocabulary</c>
    /// (then update LanguageModelConfig.VocabSize if the size changed).
    /// </summary>
    [Fact]
    public void CommittedVocabularyIsWhatTheTrainerLearns()
    {
        var trained = BpeVocabularyTrainer.Train(TaskLanguageCorpus.Sentences(), TokenizerVocabularySize);
        var target = Environment.GetEnvironmentVariable("VRM_WRITE_VOCAB");
        if (!string.IsNullOrEmpty(target)) File.WriteAllText(target, trained.ToJson());
        Assert.Equal(trained.ToJson(), File.ReadAllText(VrmTokenizer.DefaultPath));
    }

    /// <summary>The size the committed vocabulary was trained to (the model's embedding rows).</summary>
    private const int TokenizerVocabularySize = 512;

    private static readonly string[] Fragments =
        ["<image>", "<think>", "</think>", "<answer>", "</answer>", "<answer", "</", "<|bos|>", " red", " circle", "How many", "?", " 42", "\r\n", "\t", "ASSISTANT:", "  "];

    private static string RandomText(Random rng)
    {
        var sb = new StringBuilder();
        int parts = rng.Next(0, 12); // 0 gives the empty string
        for (int p = 0; p < parts; p++)
        {
            switch (rng.Next(8))
            {
                case 0: sb.Append(Fragments[rng.Next(Fragments.Length)]); break;
                case 1: sb.Append((char)rng.Next(0, 32)); break;                       // C0 controls, incl. NUL
                case 2: sb.Append((char)rng.Next('0', '9' + 1)); break;
                case 3: sb.Append((char)rng.Next(32, 127)); break;                      // printable ASCII
                case 4: sb.Append((char)rng.Next(0x7F, 0x800)); break;                  // DEL, C1, Latin, 2-byte UTF-8
                case 5: sb.Append(BmpNonSurrogate(rng)); break;                         // 3-byte UTF-8 incl. CJK, U+FFFF
                case 6: sb.Append(char.ConvertFromUtf32(rng.Next(0x10000, 0x110000))); break; // astral: surrogate pairs
                default: sb.Append(' ', rng.Next(1, 4)); break;
            }
        }
        return sb.ToString();
    }

    private static char BmpNonSurrogate(Random rng)
    {
        int c;
        do c = rng.Next(0x800, 0x10000); while (c is >= 0xD800 and < 0xE000);
        return (char)c;
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString()));
}
