using System.Diagnostics.Metrics;

namespace Vrm.Orchestrator.Rollouts;

/// <summary>
/// The orchestrator's counters as a .NET Meter (names as in DESIGN §6). OpenTelemetry picks them up with
/// <c>AddMeter(OrchestratorMetrics.MeterName)</c>; the same numbers are readable via the grains' stats calls.
/// </summary>
public static class OrchestratorMetrics
{
    public const string MeterName = "Vrm.Orchestrator";
    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> AssignmentsLeased = Meter.CreateCounter<long>("vrm_assignments_leased_total");
    public static readonly Counter<long> AssignmentsCompleted = Meter.CreateCounter<long>("vrm_assignments_completed_total");
    public static readonly Counter<long> AssignmentsExpired = Meter.CreateCounter<long>("vrm_assignments_expired_total");
    /// <summary>Poison assignments given up after SchedulerSettings.MaxLeaseExpiries lease expiries.</summary>
    public static readonly Counter<long> AssignmentsAbandoned = Meter.CreateCounter<long>("vrm_assignments_abandoned_total");
    public static readonly Counter<long> CompletionsIgnored = Meter.CreateCounter<long>("vrm_completions_ignored_total");
    public static readonly Counter<long> StepsHandedOff = Meter.CreateCounter<long>("vrm_steps_handed_off_total");

    private static int _workersAlive;
    /// <summary>Set by the worker registry whenever liveness changes.</summary>
    public static int WorkersAlive { get => Volatile.Read(ref _workersAlive); set => Volatile.Write(ref _workersAlive, value); }

    static OrchestratorMetrics()
    {
        Meter.CreateObservableGauge("vrm_workers_alive", () => WorkersAlive);
    }
}
