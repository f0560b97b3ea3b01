using System.Text.Json;
using Vrm.Learner.Grpo;
using Vrm.Learner.Tests.Fixtures;

namespace Vrm.Learner.Tests;

/// <summary>A finished run leaves, next to its before/after accuracy, which counting skill moved (per split, in JSON and in the report).</summary>
public class GrpoRunReportTests(TinyRun tiny) : IClassFixture<TinyRun>
{
    [Fact]
    public void A_finished_run_writes_count_skills_before_and_after_for_each_split()
    {
        var dir = tiny.NewRunDir();
        var options = new GrpoRunOptions
        {
            InitCheckpoint = tiny.Init, DataPath = tiny.Data, RunDir = dir, Steps = 1, Seed = 5, EvaluateBeforeAndAfter = true, EvalLimit = 4,
            Grpo = new GrpoOptions { PromptsPerStep = 2, GroupSize = 2, MaxNewTokens = 8, KlBeta = 0 },
        };
        var log = new List<string>();
        GrpoRunResult r;
        using (var run = new GrpoRun(options, log.Add)) r = run.Execute();

        Assert.True(r.Finished);
        foreach (var when in new[] { "before", "after" })
        {
            var traces = when == "before" ? r.BeforeTraces : r.AfterTraces;
            Assert.Equal(["ood", "test"], traces.Keys.Order());
            Assert.All(traces.Values, d => Assert.Equal(4, d.Examples)); // EvalLimit count examples per split
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"count-traces-{when}.json")));
            Assert.Equal(4, json.RootElement.GetProperty("test").GetProperty("examples").GetInt32());
            int asked = json.RootElement.GetProperty("test").GetProperty("right_by_question").EnumerateObject().Sum(k => k.Value[1].GetInt32());
            Assert.Equal(4, asked);
            Assert.Contains(log, l => l.StartsWith($"grpo: {when}: test: count traces: ", StringComparison.Ordinal));

            // pass@k at the rollout temperature, PassAtKSamples (default 8) samples per example: k = 1, 2, 4, 8.
            using var pass = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"pass-at-k-{when}.json")));
            var splits = pass.RootElement.EnumerateArray().ToList();
            Assert.Equal(["ood", "test"], splits.Select(e => e.GetProperty("Split").GetString()).Order());
            Assert.All(splits, e => Assert.Equal(4, e.GetProperty("Examples").GetInt32()));
            Assert.All(splits, e => Assert.Equal(["1", "2", "4", "8"], e.GetProperty("PassAt").EnumerateObject().Select(p => p.Name)));
            Assert.Contains(log, l => l.StartsWith($"grpo: {when}: test: count: pass@k at temperature 1: @1 ", StringComparison.Ordinal));
        }
        var html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("Count skills (test)", html);
        Assert.Contains("category named, colour questions", html);
        Assert.Contains("pass@k at temperature 1 (test, count)", html);
        Assert.Contains("pass@8", html);
    }

    [Fact]
    public void Pass_at_k_is_skipped_when_off_and_a_negative_count_is_refused()
    {
        var dir = tiny.NewRunDir();
        var options = new GrpoRunOptions
        {
            InitCheckpoint = tiny.Init, DataPath = tiny.Data, RunDir = dir, Steps = 1, Seed = 5, EvalLimit = 2, PassAtKSamples = 0,
            Grpo = new GrpoOptions { PromptsPerStep = 2, GroupSize = 2, MaxNewTokens = 4, KlBeta = 0 },
        };
        using (var run = new GrpoRun(options, _ => { })) Assert.True(run.Execute().Finished);
        Assert.False(File.Exists(Path.Combine(dir, "pass-at-k-before.json")));
        Assert.False(File.Exists(Path.Combine(dir, "pass-at-k-after.json")));

        var e = Assert.Throws<ArgumentException>(() => (options with { PassAtKSamples = -1 }).Validate());
        Assert.Contains("pass_at_k_samples", e.Message);
    }
}
