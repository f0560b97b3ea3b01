using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Vrm.Rewards;
using Xunit.Abstractions;

namespace Vrm.Rewards.Tests;

/// <summary>Timing assertions need the cores to themselves: no other test class runs beside this one.</summary>
[CollectionDefinition(nameof(TimingSensitive), DisableParallelization = true)]
public sealed class TimingSensitive;

/// <summary>
/// Property test: 10,000 random and adversarial completions — token soup, unclosed/nested/repeated
/// tags, megabyte strings, control characters, lone UTF-16 surrogates. Every item must score without
/// an exception, inside the default time bound, with consistent components; small items must agree
/// with an independent regex statement of the format rule.
/// </summary>
[Collection(nameof(TimingSensitive))]
public class RewardFuzzTests(ITestOutputHelper output)
{
    private const int Items = 10_000;
    private const int Seed = 20_250_301;

    private static readonly string[] Pieces =
    [
        "<think>", "</think>", "<answer>", "</answer>", "<", ">", "</", "<answer", "answer>", "<think", "</answer",
        "<ANSWER>", "<answer >", "3", "3.0", "-1", "1e3", "2.50", ".", "circle", "Circle.", "circles", " ", "\n", "\t",
        "\r\n", "\0", "\u0001", "\u001b", "\u007f", "\uD800", "\uDC00", "\uDBFF\uDFFF", "\u00A0", "\u2028", "\uFFFF",
        "(?:.*)*", "\\", "é", "∑", "🙂",
    ];

    private static readonly string[] Solutions =
    [
        "<answer>3</answer>", "3", " 2.5 ", "circle", "<answer> Red square </answer>", "1e3", "-1",
        "<answer>3", "", "?!", "<answer>\uD800</answer>", "<answer><answer>3</answer></answer>",
    ];

    // Written from the rule's statement, independently of the scanner: whitespace, one think block and
    // one answer block, whitespace; no block contains any of the four tags.
    private static readonly Regex FormatOracle = new(
        @"\A\s*<think>(?:(?!</?think>|</?answer>)[\s\S])*</think>\s*<answer>(?:(?!</?think>|</?answer>)[\s\S])*</answer>\s*\z",
        RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));

    [Fact]
    public void Ten_thousand_hostile_completions_score_safely_within_the_bound()
    {
        var random = new Random(Seed);
        var megabyteStrings = BuildMegabyteStrings(random);
        var reward = CompositeReward.Default;
        var bound = reward.TimeBound;
        var reasons = new Dictionary<RewardReason, int>();
        long worstNanoseconds = 0;
        string worstKind = "";
        int oracleChecks = 0, megabyteItems = 0, correctItems = 0, formattedItems = 0;
        var generatorTime = new Stopwatch();
        var oracleTime = new Stopwatch();
        var scoringTime = new Stopwatch();

        // As the service host does at start: compile every rule path before the first measured item.
        reward.WarmUp();
        long worstWallTicks = 0;

        for (int n = 0; n < Items; n++)
        {
            generatorTime.Start();
            int kind = random.Next(100);
            (string completion, string name) = kind switch
            {
                < 30 => (TokenSoup(random, random.Next(0, 120)), "token soup"),
                < 45 => (RandomUtf16(random, random.Next(0, 400)), "random UTF-16"),
                < 65 => (WellFormed(random), "well formed"),
                < 80 => (Mutated(random, WellFormed(random)), "mutated well formed"),
                < 98 => (RepeatedTags(random), "repeated/nested tags"),
                _ => Megabyte(random, megabyteStrings[random.Next(megabyteStrings.Length)]),
            };
            string solution = random.Next(50) == 0 ? "<answer>" + new string('7', 1 << 20) + "</answer>" : Solutions[random.Next(Solutions.Length)];
            generatorTime.Stop();

            scoringTime.Start();
            long wallStart = Stopwatch.GetTimestamp();
            long cpuStart = ThreadCpuClock.NowNanoseconds();
            var b = reward.Score(completion, solution, "count");
            long cpuNanoseconds = ThreadCpuClock.NowNanoseconds() - cpuStart;
            worstWallTicks = Math.Max(worstWallTicks, Stopwatch.GetTimestamp() - wallStart);
            scoringTime.Stop();

            if (cpuNanoseconds > worstNanoseconds) { worstNanoseconds = cpuNanoseconds; worstKind = $"{name}, {completion.Length:N0} chars, solution {solution.Length:N0} chars"; }
            reasons[b.Reason] = reasons.GetValueOrDefault(b.Reason) + 1;
            if (completion.Length >= 1 << 20) megabyteItems++;
            if (b.Correctness == 1) correctItems++;
            if (b.Format == 1) formattedItems++;

            Assert.True(TimeSpan.FromTicks(cpuNanoseconds / 100) <= bound, $"item {n} ({name}) took {cpuNanoseconds / 1e6:F1} ms");
            Assert.NotEqual(RewardReason.OverTimeBound, b.Reason);
            Assert.True(b.Correctness is 0 or 1 && b.Format is 0 or 1, $"item {n}: components {b.Correctness}, {b.Format}");
            Assert.Equal(reward.Weights.Accuracy * b.Correctness + reward.Weights.Format * b.Format, b.Total);
            Assert.Equal(b.Correctness == 1, b.CorrectnessReason == RewardReason.Ok);
            Assert.Equal(b.Format == 1, b.FormatReason == RewardReason.Ok);
            if (b.Correctness == 1) Assert.Contains(Tags.AnswerClose, completion);
            if (completion.Length < 4096)
            {
                oracleChecks++;
                oracleTime.Start();
                bool oracleSaysFormatted = FormatOracle.IsMatch(completion);
                oracleTime.Stop();
                Assert.True(oracleSaysFormatted == (b.Format == 1), $"item {n}: format {b.Format} ({b.FormatReason}) disagrees with the oracle on {Escape(completion)}");
            }
        }

        string clock = ThreadCpuClock.IsThreadCpuTime ? "thread CPU time" : "wall time (no thread CPU clock here)";
        output.WriteLine($"seed {Seed}: {Items:N0} items, {megabyteItems} of >= 1 MiB chars, {oracleChecks:N0} checked against the regex oracle");
        output.WriteLine($"largest per-item scoring time: {worstNanoseconds / 1e6:F3} ms of {clock} ({worstKind}); bound {bound.TotalMilliseconds} ms");
        output.WriteLine($"largest per-item wall time (includes preemption on a shared machine): {Stopwatch.GetElapsedTime(0, worstWallTicks).TotalMilliseconds:F3} ms");
        output.WriteLine($"correct {correctItems:N0}, well formed {formattedItems:N0}; wall time: scoring {scoringTime.Elapsed.TotalSeconds:F2} s, generating inputs {generatorTime.Elapsed.TotalSeconds:F2} s, regex oracle {oracleTime.Elapsed.TotalSeconds:F2} s");
        output.WriteLine("reasons: " + string.Join(", ", reasons.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}")));
        // The generator must reach the interesting outcomes, or the property holds vacuously.
        Assert.True(megabyteItems >= 100, $"only {megabyteItems} megabyte items");
        Assert.True(correctItems > 100 && formattedItems > 100, $"correct {correctItems}, formatted {formattedItems}");
        Assert.True(reasons.Count >= 8, "too few distinct reasons: " + string.Join(", ", reasons.Keys));
    }

    private static (string Name, string Text)[] BuildMegabyteStrings(Random random)
    {
        const int M = 1 << 20;
        string Repeat(string s) => new StringBuilder(M + s.Length).Insert(0, s, M / s.Length + 1).ToString();
        return
        [
            ("open answer tags", Repeat("<answer>")),
            ("open think tags", Repeat("<think>")),
            ("all four tags", Repeat("<think></think><answer></answer>")),
            ("lt signs", new string('<', M)),
            ("almost tags", Repeat("<answe</answe<thin")),
            ("nested open-close", Repeat("<answer>") + Repeat("</answer>")),
            ("think then huge answer of digits", "<think>x</think><answer>" + new string('3', M) + "</answer>"),
            ("huge whitespace between blocks", "<think>x</think>" + new string(' ', M) + "<answer>3</answer>" + new string('\n', M)),
            ("unclosed answer then text", "<think>x</think><answer>" + RandomUtf16(random, M)),
            ("random UTF-16", RandomUtf16(random, M)),
            ("control characters", string.Create(M, random.Next(), (span, seed) => { var r = new Random(seed); for (int i = 0; i < span.Length; i++) span[i] = (char)r.Next(0, 32); })),
            ("huge text answer", "<think>x</think><answer>" + Repeat("Circle. ") + "</answer>"),
        ];
    }

    private static string TokenSoup(Random random, int pieces)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) sb.Append(Pieces[random.Next(Pieces.Length)]);
        return sb.ToString();
    }

    private static string RandomUtf16(Random random, int length) =>
        string.Create(length, random.Next(), (span, seed) =>
        {
            var r = new Random(seed);
            // Any UTF-16 code unit, lone surrogates included; '<' often, so tags get a chance to form.
            for (int i = 0; i < span.Length; i++) span[i] = r.Next(8) == 0 ? "<>/answerthink"[r.Next(14)] : (char)r.Next(0, 0x10000);
        });

    private static string WellFormed(Random random)
    {
        string[] answers = ["3", " 3 ", "3.0", "2.5", "2.50", "circle", "Circle.", "-1", "1000", "red square", ""];
        string ws() => random.Next(3) switch { 0 => "", 1 => "\n", _ => " \t\r\n " };
        return $"{ws()}<think>{TokenSoupWithoutTags(random)}</think>{ws()}<answer>{ws()}{answers[random.Next(answers.Length)]}{ws()}</answer>{ws()}";
    }

    private static string TokenSoupWithoutTags(Random random)
    {
        var sb = new StringBuilder();
        int n = random.Next(0, 30);
        for (int i = 0; i < n; i++)
        {
            string piece = Pieces[random.Next(Pieces.Length)];
            if (piece is not (Tags.ThinkOpen or Tags.ThinkClose or Tags.AnswerOpen or Tags.AnswerClose)) sb.Append(piece);
        }
        return sb.ToString().Replace("<answer >", "").Replace("<think", "<thin").Replace("</answer", "</answe").Replace("<answer", "<answe");
    }

    private static string Mutated(Random random, string s)
    {
        var sb = new StringBuilder(s);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits && sb.Length > 0; e++)
        {
            int at = random.Next(sb.Length + 1);
            switch (random.Next(3))
            {
                case 0: sb.Insert(at, Pieces[random.Next(Pieces.Length)]); break;
                case 1: if (at < sb.Length) sb.Remove(at, Math.Min(random.Next(1, 9), sb.Length - at)); break;
                default: if (at < sb.Length) sb[at] = (char)random.Next(0, 0x10000); break;
            }
        }
        return sb.ToString();
    }

    private static string RepeatedTags(Random random)
    {
        string[] tags = [Tags.ThinkOpen, Tags.ThinkClose, Tags.AnswerOpen, Tags.AnswerClose];
        var sb = new StringBuilder();
        int depth = random.Next(1, 200);
        string tag = tags[random.Next(tags.Length)];
        for (int i = 0; i < depth; i++) sb.Append(random.Next(4) == 0 ? tags[random.Next(tags.Length)] : tag).Append(random.Next(3) == 0 ? "3" : "");
        return sb.ToString();
    }

    private static (string, string) Megabyte(Random random, (string Name, string Text) big) =>
        ((random.Next(2) == 0 ? "" : TokenSoup(random, random.Next(0, 5))) + big.Text + (random.Next(2) == 0 ? "" : TokenSoup(random, random.Next(0, 5))),
         "megabyte: " + big.Name);

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c < 32 || c is >= '\uD800' and <= '\uDFFF' ? $"\\u{(int)c:X4}" : c.ToString()));
}
