namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>
/// One run (key = run id): spec, status machine, step, policy version, checkpoints and a bounded
/// ring of recent per-step metrics. Persisted (in memory when embedded, Redis in cluster mode).
/// </summary>
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Create the run. Idempotent: the same idempotency key returns the existing run; a different spec under an existing id throws.</summary>
    Task<RunSnapshot> Submit(RunSpec spec);
    Task<RunSnapshot> Get();
    Task<RunSnapshot> Start();
    Task<RunSnapshot> Pause();
    Task<RunSnapshot> Resume();
    Task<RunSnapshot> Stop(string reason);
    Task<RunSnapshot> Fail(string reason);
    Task<RunSnapshot> Succeed();
    /// <summary>The learner reports a finished step: new step, policy version and the step's metrics (appended to the ring).</summary>
    Task ReportStep(long step, long policyVersion, IReadOnlyDictionary<string, double> metrics);
    /// <summary>Record a checkpoint; when its RequestId is the pending request, the request is fulfilled (cleared). Allowed after STOPPED (the final checkpoint).</summary>
    Task AddCheckpoint(CheckpointInfo checkpoint);

    /// <summary>What the learner polls between steps: status, pending checkpoint request, live overrides.</summary>
    Task<RunControl> GetControl();
    /// <summary>Change the live-changeable settings (validated; ArgumentException naming the field). Refused on a terminal run.</summary>
    Task<RunSnapshot> Update(RunOverrides overrides);
    /// <summary>Ask the learner for a checkpoint; returns the request id (an already pending request is returned again). Refused unless RUNNING or PAUSED.</summary>
    Task<long> RequestCheckpoint();
    /// <summary>Stop, and when the run has started, ask the learner for a final checkpoint (a pending request it fulfils after seeing STOPPED).</summary>
    Task<RunSnapshot> StopWithCheckpoint(string reason, bool finalCheckpoint);
    /// <summary>Events with Sequence &gt; <paramref name="afterSequence"/> (bounded ring; oldest may be gone).</summary>
    Task<RunEvent[]> GetEvents(long afterSequence);
    /// <summary>Per-step metrics with Step ≥ <paramref name="fromStep"/> still in the ring.</summary>
    Task<StepMetrics[]> GetMetrics(long fromStep);
    /// <summary>Bind the run to a learner (the directory does this when the learner claims it).</summary>
    Task<RunSnapshot> Claim(string learnerId);
}
