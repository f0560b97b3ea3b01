using System.CommandLine;
using System.Text.Json;
using Vrm.Learner.Stages;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm bench cluster --part train-overhead</c>: a real <c>vrm train</c> (embedded cluster, default recipe,
/// stages reused when present) for a few GRPO steps, reporting the share of its GRPO phase spent outside model
/// compute — grain calls, gRPC, rewards, weight pushes, waiting (issue bar: ≤ 10 %).
/// </summary>
public static class BenchTrainOverhead
{
    public static readonly Option<int> TrainSteps = new("--train-steps") { Description = "train-overhead: GRPO steps of the vrm train run", DefaultValueFactory = _ => 20 };
    public static readonly Option<int> TrainWorkers = new("--train-workers") { Description = "train-overhead: rollout workers", DefaultValueFactory = _ => 2 };
    public static readonly Option<string> TrainHome = new("--train-home") { Description = "train-overhead: home folder (data and checkpoints reused from there)", DefaultValueFactory = _ => new DefaultRecipe().Home };

    public static async Task<int> Run(ParseResult pr, string? outPath, CancellationToken ct)
    {
        int steps = pr.GetValue(TrainSteps), workers = pr.GetValue(TrainWorkers);
        if (steps < 1 || workers < 1) { await Console.Error.WriteLineAsync("vrm bench cluster: --train-steps and --train-workers must be >= 1"); return 2; }
        var recipe = new DefaultRecipe { Home = pr.GetValue(TrainHome)!, GrpoSteps = steps };
        var outcome = await TrainCommand.RunAsync(recipe, workers, ct);
        if (outcome is null) return 1;
        var o = outcome.Overhead;
        Console.WriteLine();
        Console.WriteLine("metric                                   | value");
        Console.WriteLine($"GRPO phase wall (s)                      | {o.GrpoWallSeconds,8:0.0}");
        Console.WriteLine($"model compute, overlaps once (s)         | {o.ModelComputeSeconds,8:0.0}");
        Console.WriteLine($"outside model compute, share of GRPO     | {o.Share,8:P1}  (bar ≤ {OrchestrationOverhead.Bar:P0}: {(o.Share <= OrchestrationOverhead.Bar ? "met" : "MISSED")})");
        Console.WriteLine($"outside model compute, share of command  | {o.ShareOfTotal,8:P1}  (whole vrm train, {o.TotalWallSeconds:0.0} s)");
        Console.WriteLine("idle gaps (no model compute running), by what ended → what started:");
        foreach (var line in o.DescribeGaps(10)) Console.WriteLine(line);
        var path = outPath ?? Path.Combine("artifacts", "bench", "cluster-train-overhead.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
        {
            part = "train-overhead", steps, workers, run_dir = Path.GetFullPath(outcome.RunDir),
            grpo_wall_seconds = o.GrpoWallSeconds, model_compute_seconds = o.ModelComputeSeconds, overhead_share_of_grpo = o.Share,
            overhead_share_of_total = o.ShareOfTotal, total_wall_seconds = o.TotalWallSeconds, bar = OrchestrationOverhead.Bar,
            idle_gaps = o.Gaps.Select(g => new { transition = g.Transition, count = g.Gap.Count, seconds = g.Gap.Seconds }),
            load_average = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
        }, new JsonSerializerOptions { WriteIndented = true }), ct);
        Console.WriteLine($"wrote {path}");
        return 0;
    }
}
