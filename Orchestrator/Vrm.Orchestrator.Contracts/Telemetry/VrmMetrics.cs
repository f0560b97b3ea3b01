using System.Diagnostics.Metrics;

namespace Vrm.Orchestrator.Contracts.Telemetry;

/// <summary>
/// Instruments the worker and learner roles record into (names per DESIGN §6: vrm_ prefix, base units,
/// _total counters). Per-step training metrics are not here: the learner reports them to the run grain
/// and the orchestrator exports them labelled by run (one scrape target for the dashboard).
/// </summary>
public static class VrmMetrics
{
    public const string MeterName = "Vrm";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Tokens a rollout worker sampled (tag: worker).</summary>
    public static readonly Counter<long> WorkerGeneratedTokens = Meter.CreateCounter<long>("vrm_worker_generated_tokens_total");
    /// <summary>Assignments a rollout worker completed and had accepted (tag: worker).</summary>
    public static readonly Counter<long> WorkerAssignments = Meter.CreateCounter<long>("vrm_worker_assignments_total");
    /// <summary>Seconds a worker spent pulling new weights (tag: worker).</summary>
    public static readonly Histogram<double> WeightSyncDuration = Meter.CreateHistogram<double>("vrm_weight_sync_duration_seconds");
    /// <summary>Seconds one learner step took (tag: phase = sample | reference | update | publish).</summary>
    public static readonly Histogram<double> LearnerStepPhaseDuration = Meter.CreateHistogram<double>("vrm_learner_step_phase_duration_seconds");
}
