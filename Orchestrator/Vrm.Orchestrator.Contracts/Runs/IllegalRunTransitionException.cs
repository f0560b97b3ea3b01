namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>A status change the run state machine forbids (e.g. resuming a stopped run).</summary>
[GenerateSerializer]
public sealed class IllegalRunTransitionException : Exception
{
    public IllegalRunTransitionException(string runId, RunStatus from, RunStatus to)
        : base($"run '{runId}': cannot move from {from.ToString().ToUpperInvariant()} to {to.ToString().ToUpperInvariant()}")
    {
        RunId = runId;
        From = from;
        To = to;
    }

    // For the serializer's activator; the codec then fills the fields below and Exception.Message.
    public IllegalRunTransitionException() : base("illegal run status transition") { RunId = ""; }

    [Id(0)] public string RunId { get; private set; }
    [Id(1)] public RunStatus From { get; private set; }
    [Id(2)] public RunStatus To { get; private set; }
}
