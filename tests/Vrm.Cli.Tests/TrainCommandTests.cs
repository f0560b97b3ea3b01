using System.Text.Json;
using Vrm.Cli.Commands;
using Vrm.Learner.Pretraining;
using Vrm.Learner.Stages;
using Vrm.Learner.Training;

namespace Vrm.Cli.Tests;

/// <summary>
/// <c>vrm train</c>, the README's main command, end to end on a tiny recipe: data generation, pretraining, SFT, then
/// GRPO through the embedded cluster (a real Orleans silo, the reward service and two rollout workers on gRPC over
/// loopback). The stages are the default recipe's with their sizes cut so the whole loop takes seconds.
/// </summary>
public class TrainCommandTests
{
    private static DefaultRecipe Tiny(string home)
    {
        var r = new DefaultRecipe
        {
            Home = home, Seed = 3, TrainExamples = 64, TestExamples = 16, OodExamples = 16, PretrainImages = 64,
            Pretrain = new ContrastiveOptions { Steps = 2, BatchSize = 8, WarmupSteps = 1 },
            Sft = new SftOptions { Steps = 2, BatchSize = 8, WarmupSteps = 1 }, SftLimit = 64, GrpoSteps = 3, EvalLimit = 4,
        };
        // No dynamic sampling: an untrained policy's groups are mostly all-wrong, and refilling them is not what this tests.
        return r with { Grpo = r.Grpo with { PromptsPerStep = 2, GroupSize = 4, MaxNewTokens = 12, DynamicSampling = false, WarmupSteps = 1 } };
    }

    [Fact]
    public async Task The_whole_loop_runs_from_an_empty_home_and_a_second_prepare_reuses_every_stage()
    {
        var home = Path.Combine(Path.GetTempPath(), $"vrm-train-{Guid.NewGuid():N}");
        try
        {
            var recipe = Tiny(home);
            var outcome = await TrainCommand.RunAsync(recipe, workers: 2, CancellationToken.None);

            Assert.NotNull(outcome);
            Assert.True(outcome.Result.Finished);
            // Every GRPO step was trained from the workers' rollouts and published as a new policy version.
            var rows = File.ReadLines(Path.Combine(outcome.RunDir, "metrics.jsonl"))
                .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("loss", out _)).ToList();
            Assert.Equal([1, 2, 3], rows.Select(e => e.GetProperty("step").GetInt32()));
            Assert.Equal([1, 2, 3], rows.Select(e => e.GetProperty("policy_version").GetInt32()));
            Assert.All(rows, e => Assert.Equal(recipe.Grpo.PromptsPerStep * recipe.Grpo.GroupSize,
                (int)Math.Round(e.GetProperty("generated_tokens").GetDouble() / e.GetProperty("completion_length_tokens").GetDouble())));
            // Before and after are measured on both held-out splits of the GRPO task.
            foreach (var evals in new[] { outcome.Result.Before, outcome.Result.After })
                Assert.Equal(["ood/count", "test/count"], evals.Select(e => $"{e.Split}/{e.Task}").Order());
            Assert.All(outcome.Result.After, e => Assert.Equal(recipe.EvalLimit, e.Count));
            foreach (var file in new[] { "report.html", "eval-before.json", "eval-after.json", OrchestrationOverhead.FileName })
                Assert.True(File.Exists(Path.Combine(outcome.RunDir, file)), $"{file} missing from the run folder");
            Assert.NotEmpty(Directory.GetDirectories(Path.Combine(outcome.RunDir, "checkpoints")));
            Assert.InRange(outcome.Overhead.GrpoWallSeconds, outcome.Overhead.ModelComputeSeconds, double.MaxValue);

            // A second run on the same home reuses data, pretraining and SFT instead of redoing them.
            var log = new List<string>();
            recipe.Prepare(log.Add);
            Assert.Equal(3, log.Count);
            Assert.All(log, l => Assert.Contains("reusing", l));
        }
        finally
        {
            if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        }
    }
}
