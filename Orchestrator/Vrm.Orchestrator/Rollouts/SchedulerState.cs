using Vrm.Orchestrator.Contracts.Rollouts;

namespace Vrm.Orchestrator.Rollouts;

/// <summary>
/// What the scheduler persists so a silo failover keeps the run going: every step not yet
/// acknowledged by the learner, with its assignments (status, lease holders) and completed groups.
/// </summary>
[GenerateSerializer]
public sealed class SchedulerState
{
    [Id(0)] public SchedulerSettings Settings { get; set; } = SchedulerSettings.Synchronous;
    [Id(1)] public Dictionary<long, StepRecord> Steps { get; set; } = [];
    [Id(2)] public long NextAssignmentNumber { get; set; }
    /// <summary>Steps the learner acknowledged: never enqueued, handed off or completed again.</summary>
    [Id(3)] public HashSet<long> AcknowledgedSteps { get; set; } = [];
}

[GenerateSerializer]
public sealed class StepRecord
{
    [Id(0)] public StepRequest Request { get; set; } = null!;
    [Id(1)] public Dictionary<string, AssignmentRecord> Assignments { get; set; } = [];
    /// <summary>Accepted groups in completion order; frozen once the step is handed off.</summary>
    [Id(2)] public List<CompletedGroup> Groups { get; set; } = [];
    [Id(3)] public int CompletedAssignments { get; set; }
    /// <summary>Handed to the learner at least once; counts as consumed for backpressure.</summary>
    [Id(4)] public bool HandedOff { get; set; }

    public bool IsComplete => CompletedAssignments == Assignments.Count;
}

[GenerateSerializer]
public enum AssignmentStatus { Pending = 0, Leased = 1, Completed = 2 }

[GenerateSerializer]
public sealed class AssignmentRecord
{
    /// <summary>The assignment as first issued; each lease hands out a copy with that lease's deadline.</summary>
    [Id(0)] public RolloutAssignment Assignment { get; set; } = null!;
    [Id(1)] public AssignmentStatus Status { get; set; }
    [Id(2)] public string? LeasedTo { get; set; }
    [Id(3)] public DateTimeOffset LeaseDeadline { get; set; }
    /// <summary>Every worker that ever held a lease: any of them may complete it, the first completion wins.</summary>
    [Id(4)] public List<string> Holders { get; set; } = [];
    [Id(5)] public int Leases { get; set; }
}
