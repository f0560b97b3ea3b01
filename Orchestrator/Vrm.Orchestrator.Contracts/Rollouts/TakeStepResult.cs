namespace Vrm.Orchestrator.Contracts.Rollouts;

[GenerateSerializer]
public enum TakeStepOutcome
{
    /// <summary>All groups of the step: run the update, checkpoint, then AcknowledgeStep.</summary>
    Ready = 0,
    /// <summary>Some assignments are still open: poll again.</summary>
    NotReady = 1,
    /// <summary>Never enqueued.</summary>
    UnknownStep = 2,
    /// <summary>Already handed off and acknowledged: the learner consumed it.</summary>
    AlreadyAcknowledged = 3,
}

/// <summary>
/// The hand-off of one step to the learner. The step's contents are frozen at the first hand-off;
/// re-taking before <c>AcknowledgeStep</c> (a learner restarted from a checkpoint older than this
/// step) returns the same groups with <see cref="Redelivery"/> set, so the learner trains on each
/// group exactly once. Prompts of assignments abandoned as poison (lease expired
/// <see cref="SchedulerSettings.MaxLeaseExpiries"/> times) have no group; they are listed in
/// <see cref="AbandonedPromptIndices"/>, so groups + abandoned prompts cover the step's prompts exactly once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TakeStepResult(
    [property: Id(0)] TakeStepOutcome Outcome,
    [property: Id(1)] long Step,
    [property: Id(2)] CompletedGroup[] Groups,
    [property: Id(3)] int CompletedAssignments,
    [property: Id(4)] int TotalAssignments,
    [property: Id(5)] bool Redelivery,
    [property: Id(6)] int[]? AbandonedPromptIndices = null)
{
    /// <summary>Never null (older senders leave the field out).</summary>
    public int[] Abandoned => AbandonedPromptIndices ?? [];
}
