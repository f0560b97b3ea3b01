using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Vrm.Learner.Distributed;

/// <summary>
/// The learner role's own /metrics: the per-step metrics it reports to the run grain, as the learner process saw
/// them, tagged run. <c>vrm_learner_</c> prefix: the orchestrator exports the same step metrics under the DESIGN §6
/// names (vrm_reward_mean, vrm_kl, …) and dashboards read those; these are for watching one learner process
/// (is it stepping, how long do its phases take) without the orchestrator. Every numeric key becomes a gauge
/// <c>vrm_learner_{key}</c> holding the last step's value, except phase durations, which are the histogram
/// <c>vrm_learner_step_duration_seconds{phase}</c>; steps and generated tokens are counters as well, so rates work. Weight-push instruments are in <see cref="WeightSyncMetrics"/>.
/// </summary>
public static class LearnerMetrics
{
    public const string MeterName = "Vrm.Learner";
    private const string PhasePrefix = "step_duration_seconds_";
    private static readonly Meter Meter = new(MeterName);
    /// <summary>Keys that describe the run, not a measurement.</summary>
    private static readonly HashSet<string> NotMetrics = new(StringComparer.Ordinal) { "seed" };
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<string, double>> Latest = new(StringComparer.Ordinal);

    public static readonly Counter<long> Steps = Meter.CreateCounter<long>("vrm_learner_steps_total", description: "GRPO steps completed by this learner");
    /// <summary>Tag phase = sample | reference | update | publish | total.</summary>
    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("vrm_learner_step_duration_seconds",
        description: "wall time of one learner step, by phase");
    public static readonly Counter<long> GeneratedTokens = Meter.CreateCounter<long>("vrm_learner_generated_tokens_total",
        description: "tokens in the rollouts the learner trained on");

    /// <summary>Records one finished step of <paramref name="runId"/> (the dictionary the learner reports to the run grain).</summary>
    public static void RecordStep(string runId, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentNullException.ThrowIfNull(metrics);
        var run = new KeyValuePair<string, object?>("run", runId);
        Steps.Add(1, run);
        foreach (var (key, value) in metrics)
        {
            if (NotMetrics.Contains(key) || !double.IsFinite(value)) continue;
            // Phase durations go to the histogram only: a gauge of the same name would clash with it.
            if (key == "step_duration_seconds") { StepDuration.Record(value, run, new("phase", "total")); continue; }
            if (key.StartsWith(PhasePrefix, StringComparison.Ordinal)) { StepDuration.Record(value, run, new("phase", key[PhasePrefix.Length..])); continue; }
            if (key == "generated_tokens") GeneratedTokens.Add((long)value, run);
            string name = $"vrm_learner_{Sanitize(key)}";
            Latest.GetOrAdd(name, CreateGauge)[runId] = value;
        }
    }

    private static ConcurrentDictionary<string, double> CreateGauge(string name)
    {
        var byRun = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        Meter.CreateObservableGauge(name, () => byRun.Select(kv => new Measurement<double>(kv.Value, new KeyValuePair<string, object?>("run", kv.Key))));
        return byRun;
    }

    /// <summary>Prometheus names allow [a-zA-Z0-9_]; metric keys are snake_case already, this only guards the odd one.</summary>
    private static string Sanitize(string key)
    {
        var b = new StringBuilder(key.Length);
        foreach (char c in key) b.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        return b.ToString();
    }
}
