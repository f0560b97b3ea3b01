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
    Task AddCheckpoint(CheckpointInfo checkpoint);
}
