using System.Text.Json;

namespace Vrm.Cli.Commands;

/// <summary>
/// The share of a <c>vrm train</c> GRPO phase spent outside model compute (sampling, log-prob scoring,
/// updates, evaluation — timed by <see cref="Vrm.Policy.ModelComputeClock"/>, overlaps counted once):
/// grain calls, gRPC, rewards, weight pushes, waiting. Written next to the run's metrics.
/// </summary>
public sealed record OrchestrationOverhead(double GrpoWallSeconds, double ModelComputeSeconds, double TotalWallSeconds, double PrepareSeconds)
{
    public const string FileName = "orchestration-overhead.json";

    /// <summary>Bar from issue 5: orchestration overhead ≤ 10 % of wall time.</summary>
    public const double Bar = 0.10;

    /// <summary>Share of the GRPO phase outside model compute.</summary>
    public double Share => GrpoWallSeconds <= 0 ? 0 : Math.Max(0, 1 - ModelComputeSeconds / GrpoWallSeconds);

    /// <summary>The same time as a share of the whole command (data, pretraining and SFT are model compute or I/O, not orchestration).</summary>
    public double ShareOfTotal => TotalWallSeconds <= 0 ? 0 : Math.Max(0, GrpoWallSeconds - ModelComputeSeconds) / TotalWallSeconds;

    public static OrchestrationOverhead Of(TimeSpan grpoWall, TimeSpan busy, TimeSpan total, TimeSpan prepared) =>
        new(grpoWall.TotalSeconds, busy.TotalSeconds, total.TotalSeconds, prepared.TotalSeconds);

    public string Describe() =>
        $"orchestration overhead: {Share:P1} of the GRPO phase ({GrpoWallSeconds - ModelComputeSeconds:0.0} s outside model compute of {GrpoWallSeconds:0.0} s), " +
        $"{ShareOfTotal:P1} of the whole command ({TotalWallSeconds:0.0} s) — bar ≤ {Bar:P0}";

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(new
    {
        grpo_wall_seconds = GrpoWallSeconds, model_compute_seconds = ModelComputeSeconds, total_wall_seconds = TotalWallSeconds,
        prepare_seconds = PrepareSeconds, overhead_share_of_grpo = Share, overhead_share_of_total = ShareOfTotal, bar = Bar,
    }, new JsonSerializerOptions { WriteIndented = true }));
}
