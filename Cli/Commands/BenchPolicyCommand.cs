using System.CommandLine;
using System.Text.Json;
using Vrm.Policy;
using Vrm.Policy.Config;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm bench policy</c>: sampling tokens/s, training-step time and scorer time of the default model,
/// next to this machine's fp32 matmul rate measured in the same run; prints a table and writes JSON.
/// Run it from a Release build (<c>dotnet run -c Release --project Cli -- bench policy</c>).
/// </summary>
public static class BenchPolicyCommand
{
    // Bars from the issue: fractions of the same-run 1024³ matmul rate.
    private const double SampleBar = 0.25, TrainBar = 0.5;

    public static Command Create()
    {
        var prompts = new Option<int>("--prompts") { Description = "Prompts per sampling call (N)", DefaultValueFactory = _ => 8 };
        var group = new Option<int>("--group") { Description = "Samples per prompt (G); batch = N·G rows", DefaultValueFactory = _ => 8 };
        var newTokens = new Option<int>("--new-tokens") { Description = "New tokens per sample", DefaultValueFactory = _ => 40 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Text tokens per prompt (±25 %)", DefaultValueFactory = _ => 24 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (median reported)", DefaultValueFactory = _ => 5 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for init, inputs and sampling", DefaultValueFactory = _ => 1UL };
        var outPath = new Option<string>("--out") { Description = "JSON output path", DefaultValueFactory = _ => "artifacts/bench/policy.json" };

        var cmd = new Command("policy", "Benchmark the policy model: sampling, training step, scorer vs. the same-run matmul rate");
        foreach (var o in new Option[] { prompts, group, newTokens, promptTokens, repeats, seed, outPath }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr) =>
        {
            PolicyBenchmarkResult r;
            try
            {
                r = PolicyBenchmark.Run(VrmConfig.Default, pr.GetValue(prompts), pr.GetValue(group), pr.GetValue(newTokens),
                    pr.GetValue(promptTokens), pr.GetValue(repeats), pr.GetValue(seed), msg => Console.Error.WriteLine(msg));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"bench policy: {e.Message}");
                return 2;
            }
            Print(r);
            var path = pr.GetValue(outPath)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, JsonSerializer.Serialize(r, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            Console.WriteLine($"wrote {path}");
            return 0;
        });
        return cmd;
    }

    private static void Print(PolicyBenchmarkResult r)
    {
        Console.WriteLine($"policy: {r.Parameters:N0} parameters, {r.Threads} torch threads, batch {r.Prompts}×{r.GroupSize} = {r.Rows} rows, prompt end {r.PromptEnd}, {r.NewTokens} new tokens");
        Console.WriteLine($"matmul fp32 1024³: {r.MatmulRate1024 / 1e9:F1} GFLOP/s (the ceiling the ratios use)");
        foreach (var (shape, rate) in r.MatmulRateModelShapes) Console.WriteLine($"matmul fp32 {shape}: {rate / 1e9:F1} GFLOP/s");
        Console.WriteLine();
        Console.WriteLine($"{"phase",-14} {"time",12} {"model GFLOP",12} {"GFLOP/s",9} {"÷ matmul",9} {"bar",6}");
        Row("sampling", r.SampleSeconds, r.SampleFlops, r.SampleRatio, SampleBar);
        Row("training step", r.TrainStepSeconds, r.TrainFlops, r.TrainRatio, TrainBar);
        Row("scorer", r.ScoreSeconds, r.ScoreFlops, r.ScoreRatio, null);
        Row("train, grouped", r.TrainGroupedSeconds, r.TrainGroupedFlops, r.TrainGroupedRatio, null);
        Row("score, grouped", r.ScoreGroupedSeconds, r.ScoreGroupedFlops, r.ScoreGroupedRatio, null);
        Console.WriteLine($"grouped (each prompt's prefix once for its {r.GroupSize} rows, as GRPO scores), same run: training step {r.TrainGroupedSpeedup:F2}× " +
                          $"and scorer {r.ScoreGroupedSpeedup:F2}× faster than flat (median of back-to-back pairs)");
        Console.WriteLine();
        Console.WriteLine($"sampling: {r.SampleTokensPerSecond:N0} tokens/s ({r.GeneratedTokens} tokens); prefill {r.PrefillSeconds * 1e3:F1} ms, decode {r.DecodeStepSeconds * 1e3:F2} ms/step");
        Console.WriteLine();
        Console.WriteLine("interleaved pairs (ceiling = best of 3 × 4 fp32 1024³ matmuls measured just before each run):");
        Pairs("sampling", r.SamplePairs, r.SampleRatioPairedMedian, SampleBar, r.DecodeStepSecondsPerRun);
        Pairs("training step", r.TrainPairs, r.TrainRatioPairedMedian, TrainBar, null);
    }

    private static void Pairs(string phase, IReadOnlyList<RatioPair> pairs, double median, double bar, IReadOnlyList<double>? decode)
    {
        for (int i = 0; i < pairs.Count; i++)
        {
            var p = pairs[i];
            string step = decode is null ? "" : $", decode {decode[i] * 1e3:F2} ms/step";
            Console.WriteLine($"  {phase} {i + 1}: ceiling {p.CeilingFlopRate / 1e9:F1} GFLOP/s, {p.Seconds * 1e3:F1} ms, {p.ModelFlopRate / 1e9:F1} GFLOP/s, ratio {p.Ratio:F3}{step}");
        }
        Console.WriteLine($"  {phase}: median of pair ratios {median:F3} ({(median >= bar ? "≥" : "<")} bar {bar:F2})");
    }

    private static void Row(string phase, double seconds, double flops, double ratio, double? bar) =>
        Console.WriteLine($"{phase,-14} {seconds * 1e3,9:F1} ms {flops / 1e9,12:F3} {flops / seconds / 1e9,9:F1} {ratio,9:F3} {(bar is null ? "" : (ratio >= bar ? "≥" : "<") + bar.Value.ToString("F2")),6}");
}
