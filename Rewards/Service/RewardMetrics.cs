using System.Diagnostics.Metrics;

namespace Vrm.Rewards.Service;

/// <summary>
/// The reward role's instruments (DESIGN §6: vrm_ prefix, base units, _total counters), recorded by
/// <see cref="RewardGrpcService"/>. Exported on the role's /metrics by whoever hosts it: <c>AddMeter(MeterName)</c>.
/// </summary>
public static class RewardMetrics
{
    public const string MeterName = "Vrm.Rewards";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Score calls, tag status = ok | invalid_argument.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("vrm_reward_requests_total",
        description: "Score calls answered, by status");
    public static readonly Counter<long> ItemsScored = Meter.CreateCounter<long>("vrm_reward_items_scored_total",
        description: "completions scored");
    /// <summary>Items whose scoring hit the per-item CPU-time bound (scored 0, reason OverTimeBound).</summary>
    public static readonly Counter<long> TimeBoundHits = Meter.CreateCounter<long>("vrm_reward_time_bound_hits_total",
        description: "completions whose scoring hit the CPU-time bound");
    /// <summary>Wall seconds of one Score call (validation + scoring), tag status.</summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("vrm_reward_request_duration_seconds",
        description: "Score call latency");

    internal static KeyValuePair<string, object?> Status(string status) => new("status", status);
}
