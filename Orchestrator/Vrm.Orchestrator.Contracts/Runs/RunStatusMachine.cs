namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>
/// The legal run-status transitions, in one place so the run grain, the admin API and tests agree.
/// Terminal statuses never change again; a pending run may be stopped or fail before it starts.
/// </summary>
public static class RunStatusMachine
{
    public static bool IsTerminal(RunStatus s) => s is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Stopped;

    public static bool CanMove(RunStatus from, RunStatus to) => (from, to) switch
    {
        (RunStatus.Pending, RunStatus.Running) => true,
        (RunStatus.Pending, RunStatus.Stopped) => true,
        (RunStatus.Pending, RunStatus.Failed) => true,
        (RunStatus.Running, RunStatus.Paused) => true,
        (RunStatus.Paused, RunStatus.Running) => true,
        (RunStatus.Running or RunStatus.Paused, RunStatus.Succeeded or RunStatus.Failed or RunStatus.Stopped) => true,
        _ => false,
    };

    /// <summary>Throws <see cref="IllegalRunTransitionException"/> naming both statuses when the move is not legal.</summary>
    public static void EnsureCanMove(string runId, RunStatus from, RunStatus to)
    {
        if (!CanMove(from, to)) throw new IllegalRunTransitionException(runId, from, to);
    }
}
