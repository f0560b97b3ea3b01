using Vrm.Orchestrator.Contracts.Rollouts;

namespace Vrm.Orchestrator.Rollouts;

/// <summary>
/// The scheduler's persisted snapshot: small on purpose. Per step it keeps only the request and where
/// its assignments' numbers start (assignments are re-derived deterministically), plus which event
/// segments hold its leases and completions. The groups themselves are written once, in segments
/// (<see cref="StepSegment"/>), never re-written — measured: re-writing the whole state with every
/// group in it cost ~1 s per write at 3 steps × 1024 groups and capped throughput near 200 assignments/s.
/// </summary>
[GenerateSerializer]
public sealed class SchedulerState
{
    [Id(0)] public SchedulerSettings Settings { get; set; } = SchedulerSettings.Synchronous;
    [Id(1)] public Dictionary<long, StepHeader> Steps { get; set; } = [];
    [Id(2)] public long NextAssignmentNumber { get; set; }
    /// <summary>Steps the learner acknowledged: never enqueued, handed off or completed again.</summary>
    [Id(3)] public HashSet<long> AcknowledgedSteps { get; set; } = [];
    /// <summary>The run is paused or finished: no new leases or steps (admin API, via the run grain).</summary>
    [Id(4)] public bool Paused { get; set; }
}

[GenerateSerializer]
public sealed class StepHeader
{
    [Id(0)] public StepRequest Request { get; set; } = null!;
    [Id(1)] public long FirstAssignmentNumber { get; set; }
    [Id(2)] public long MinVersion { get; set; }
    /// <summary>Handed to the learner at least once (all its completions are in segments by then).</summary>
    [Id(3)] public bool HandedOff { get; set; }
    /// <summary>Storage names of this step's event segments, in write order. Unique names (never reused) so
    /// a segment orphaned by a crash between its write and the snapshot's can never collide with a new one.</summary>
    [Id(4)] public List<string> Segments { get; set; } = [];
}

/// <summary>Leases and completions of one step since the previous flush, written once.</summary>
[GenerateSerializer]
public sealed class StepSegment
{
    [Id(0)] public List<LeaseEvent> Leases { get; set; } = [];
    [Id(1)] public List<CompletionEvent> Completions { get; set; } = [];
    public bool IsEmpty => Leases.Count == 0 && Completions.Count == 0;
}

[GenerateSerializer, Immutable]
public sealed record LeaseEvent([property: Id(0)] string AssignmentId, [property: Id(1)] string WorkerId, [property: Id(2)] DateTimeOffset Deadline);

[GenerateSerializer, Immutable]
public sealed record CompletionEvent([property: Id(0)] string AssignmentId, [property: Id(1)] string WorkerId, [property: Id(2)] CompletedGroup[] Groups);

// --- in memory only: rebuilt from the snapshot and segments on activation ---

public sealed class StepRecord(StepHeader header)
{
    public StepHeader Header { get; } = header;
    public Dictionary<string, AssignmentRecord> Assignments { get; } = [];
    /// <summary>Accepted groups in completion order; frozen once the step is handed off.</summary>
    public List<CompletedGroup> Groups { get; } = [];
    public int CompletedAssignments { get; set; }
    /// <summary>Events not yet written to a segment.</summary>
    public StepSegment Unflushed { get; set; } = new();
    public bool IsComplete => CompletedAssignments == Assignments.Count;
}

public enum AssignmentStatus { Pending = 0, Leased = 1, Completed = 2 }

public sealed class AssignmentRecord(RolloutAssignment assignment)
{
    /// <summary>The assignment as first issued; each lease hands out a copy with that lease's deadline.</summary>
    public RolloutAssignment Assignment { get; } = assignment;
    public AssignmentStatus Status { get; set; }
    public string? LeasedTo { get; set; }
    public DateTimeOffset LeaseDeadline { get; set; }
    /// <summary>Every worker that ever held a lease: any of them may complete it, the first completion wins.</summary>
    public List<string> Holders { get; } = [];
}
