using System.Text.Json;
using Vrm.Policy;

namespace Vrm.Cli.Commands;

/// <summary>
/// The share of a <c>vrm train</c> GRPO phase spent outside model compute (sampling, log-prob scoring,
/// updates, evaluation — timed by <see cref="Vrm.Policy.ModelComputeClock"/>, overlaps counted once):
/// grain calls, gRPC, rewards, weight pushes, waiting. Written next to the run's metrics.
/// </summary>
public sealed record OrchestrationOverhead(double GrpoWallSeconds, double ModelComputeSeconds, double TotalWallSeconds, double PrepareSeconds,
    IReadOnlyList<(string Transition, IdleGap Gap)> Gaps)
{
    public const string FileName = "orchestration-overhead.json";

    /// <summary>Bar from issue 5: orchestration overhead ≤ 10 % of wall time.</summary>
    public const double Bar = 0.10;

    /// <summary>Share of the GRPO phase outside model compute.</summary>
    public double Share => GrpoWallSeconds <= 0 ? 0 : Math.Max(0, 1 - ModelComputeSeconds / GrpoWallSeconds);

    /// <summary>The same time as a share of the whole command (data, pretraining and SFT are model compute or I/O, not orchestration).</summary>
    public double ShareOfTotal => TotalWallSeconds <= 0 ? 0 : Math.Max(0, GrpoWallSeconds - ModelComputeSeconds) / TotalWallSeconds;

    public static OrchestrationOverhead Of(TimeSpan grpoWall, TimeSpan busy, TimeSpan total, TimeSpan prepared, IReadOnlyList<(string, IdleGap)> gaps) =>
        new(grpoWall.TotalSeconds, busy.TotalSeconds, total.TotalSeconds, prepared.TotalSeconds, gaps);

    /// <summary>Where the time outside model compute went: the largest idle-gap kinds, one line each.</summary>
    public IEnumerable<string> DescribeGaps(int top = 5) => Gaps.Take(top).Select(g =>
        $"  {g.Transition,-24} {g.Gap.Seconds,7:0.0} s in {g.Gap.Count,4} gaps (mean {g.Gap.Seconds / g.Gap.Count * 1000:0} ms)");

    public string Describe() =>
        $"orchestration overhead: {Share:P1} of the GRPO phase ({GrpoWallSeconds - ModelComputeSeconds:0.0} s outside model compute of {GrpoWallSeconds:0.0} s), " +
        $"{ShareOfTotal:P1} of the whole command ({TotalWallSeconds:0.0} s) — bar ≤ {Bar:P0}";

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(new
    {
        grpo_wall_seconds = GrpoWallSeconds, model_compute_seconds = ModelComputeSeconds, total_wall_seconds = TotalWallSeconds,
        prepare_seconds = PrepareSeconds, overhead_share_of_grpo = Share, overhead_share_of_total = ShareOfTotal, bar = Bar,
        idle_gaps = Gaps.Select(g => new { transition = g.Transition, count = g.Gap.Count, seconds = g.Gap.Seconds }),
    }, new JsonSerializerOptions { WriteIndented = true }));
}
