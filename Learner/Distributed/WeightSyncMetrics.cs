using System.Diagnostics.Metrics;

namespace Vrm.Learner.Distributed;

/// <summary>The learner's weight-sync instruments (DESIGN §6 names). OpenTelemetry: <c>AddMeter(WeightSyncMetrics.MeterName)</c>.</summary>
public static class WeightSyncMetrics
{
    public const string MeterName = "Vrm.Learner.WeightSync";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Tag scope=total: one push to all workers; scope=worker (+ worker_id): one worker's push including retries.</summary>
    public static readonly Histogram<double> SyncDuration = Meter.CreateHistogram<double>("vrm_weight_sync_duration_seconds", unit: "s",
        description: "time to push one policy snapshot");
    public static readonly Counter<long> PushRetries = Meter.CreateCounter<long>("vrm_weight_push_retries_total");
    public static readonly Counter<long> PushFailures = Meter.CreateCounter<long>("vrm_weight_push_failures_total");
}
