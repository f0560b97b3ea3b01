using Vrm.Learner.Grpo;
using Vrm.Learner.Reporting;
using Vrm.Learner.Tests.Fixtures;

namespace Vrm.Learner.Tests;

/// <summary>
/// A run stopped after a checkpoint and resumed in a fresh trainer produces the same subsequent metrics as
/// an uninterrupted run (only wall-clock timings may differ).
/// </summary>
public class GrpoResumeTests(TinyRun tiny) : IClassFixture<TinyRun>
{
    private GrpoRunOptions Options(string runDir) => new()
    {
        InitCheckpoint = tiny.Init, DataPath = tiny.Data, RunDir = runDir, Steps = 4, Seed = 11, CheckpointEvery = 2,
        EvaluateBeforeAndAfter = false, EvalLimit = 4,
        Grpo = new GrpoOptions { PromptsPerStep = 2, GroupSize = 4, MaxNewTokens = 12, KlBeta = 0.04, LearningRate = 1e-3 },
    };

    [Fact]
    public void Stopped_and_resumed_run_matches_the_uninterrupted_run()
    {
        var straightDir = tiny.NewRunDir();
        using (var run = new GrpoRun(Options(straightDir), _ => { })) Assert.True(run.Execute().Finished);

        var resumedDir = tiny.NewRunDir();
        using (var run = new GrpoRun(Options(resumedDir) with { StopAfterSteps = 2 }, _ => { }))
            Assert.False(run.Execute().Finished);
        Assert.NotNull(GrpoRun.LatestCheckpoint(resumedDir));
        using (var run = new GrpoRun(Options(resumedDir), _ => { }))
        {
            var r = run.Execute();
            Assert.True(r.Finished);
        }

        var a = MetricsLog.ReadAll(Path.Combine(straightDir, "metrics.jsonl"));
        var b = MetricsLog.ReadAll(Path.Combine(resumedDir, "metrics.jsonl"));
        Assert.Equal(4, a.Count);
        Assert.Equal(4, b.Count);
        for (int i = 0; i < 4; i++)
            foreach (var (key, value) in a[i])
            {
                if (key.Contains("duration") || key == "tokens_per_second") continue;
                Assert.True(value.Equals(b[i][key]), $"step {i + 1} {key}: uninterrupted {value:R} vs resumed {b[i][key]:R}");
            }
    }
}
