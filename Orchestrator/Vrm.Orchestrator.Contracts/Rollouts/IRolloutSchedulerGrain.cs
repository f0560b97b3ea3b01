namespace Vrm.Orchestrator.Contracts.Rollouts;

/// <summary>
/// The rollout schedule of one run (key = run id): queue of assignments, leases with deadlines,
/// idempotent completion keyed by assignment id, exactly-once hand-off of each step to the learner,
/// and backpressure on how many steps may be outstanding. DESIGN §3.
/// </summary>
public interface IRolloutSchedulerGrain : IGrainWithStringKey
{
    /// <summary>Set or change the settings (takes effect for later leases). Not required: defaults are <see cref="SchedulerSettings.Synchronous"/>.</summary>
    Task Configure(SchedulerSettings settings);

    Task<EnqueueResult> EnqueueStep(StepRequest request);

    /// <summary>Non-blocking: an assignment, or why not and when to ask again.</summary>
    Task<LeaseResult> Lease(string workerId, long workerVersion);

    /// <summary>
    /// The holder is still working: push its lease deadline one lease duration out. Null when the worker no longer
    /// holds the assignment (expired and re-leased, completed or abandoned) — it may stop working on it. A worker
    /// that dies stops renewing, so its lease still expires; a live but slow one is never raced by a re-lease.
    /// </summary>
    Task<DateTimeOffset?> RenewLease(string assignmentId, string workerId);

    /// <summary>Idempotent by assignment id; the first accepted completion wins.</summary>
    Task<CompletionAck> Complete(string assignmentId, string workerId, CompletedGroup[] groups);

    /// <summary>
    /// <see cref="Complete"/> then <see cref="Lease"/> in one round trip: the worker loop's steady state.
    /// Half the grain calls per assignment (measured: the calls themselves — serialisation, gateway hops —
    /// not the scheduler's bookkeeping, are where the control plane's CPU goes).
    /// </summary>
    Task<CompleteAndLeaseResult> CompleteAndLease(string assignmentId, string workerId, CompletedGroup[] groups, long workerVersion);

    Task<TakeStepResult> TakeCompletedStep(long step);

    /// <summary>The learner's update for this step is checkpointed: drop its groups, never hand it off again. Idempotent.</summary>
    Task AcknowledgeStep(long step);

    Task<SchedulerStats> GetStats();

    /// <summary>Paused (run PAUSED or finished): Lease hands out nothing, EnqueueStep answers Paused; completions of leased work are still accepted.</summary>
    Task SetPaused(bool paused);
}
