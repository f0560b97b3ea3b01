using Vrm.Orchestrator.Contracts.Rollouts;

namespace Vrm.Orchestrator.Rollouts;

/// <summary>
/// The scheduler's persisted snapshot: small on purpose, and written only when it changes (see
/// <see cref="SchedulerJournal"/>). Per step it keeps only the request and where its assignments'
/// numbers start (assignments are re-derived deterministically). Leases, completions and expiries are
/// written once, in event segments (<see cref="StepSegment"/>) found by name, never re-written —
/// measured: re-writing the whole state with every group in it cost ~1 s per write at 3 steps × 1024
/// groups and capped throughput near 200 assignments/s.
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
    /// <summary>Activations so far: segments are named per epoch, so a new activation never reuses a name an older one wrote.</summary>
    [Id(5)] public long Epoch { get; set; }

    /// <summary>A copy for the journal to write while calls keep changing this one (requests are shared: immutable).</summary>
    public SchedulerState Copy() => new()
    {
        Settings = Settings,
        Steps = Steps.ToDictionary(kv => kv.Key, kv => kv.Value.Copy()),
        NextAssignmentNumber = NextAssignmentNumber,
        AcknowledgedSteps = [.. AcknowledgedSteps],
        Paused = Paused,
        Epoch = Epoch,
    };
}

[GenerateSerializer]
public sealed class StepHeader
{
    [Id(0)] public StepRequest Request { get; set; } = null!;
    [Id(1)] public long FirstAssignmentNumber { get; set; }
    [Id(2)] public long MinVersion { get; set; }
    /// <summary>Handed to the learner at least once (all its completions are in segments by then).</summary>
    [Id(3)] public bool HandedOff { get; set; }
    // Id(4) was the list of segment names (the snapshot no longer names segments).
    /// <summary>The activation epoch the step was enqueued in: its segments live in this and later epochs.</summary>
    [Id(5)] public long FirstEpoch { get; set; }

    public StepHeader Copy() => new() { Request = Request, FirstAssignmentNumber = FirstAssignmentNumber, MinVersion = MinVersion, HandedOff = HandedOff, FirstEpoch = FirstEpoch };
}

/// <summary>Events of one step since the previous journal pass, written once.</summary>
[GenerateSerializer]
public sealed class StepSegment
{
    [Id(0)] public List<LeaseEvent> Leases { get; set; } = [];
    [Id(1)] public List<CompletionEvent> Completions { get; set; } = [];
    /// <summary>Assignment ids whose lease expired (counted towards giving up on a poison assignment).</summary>
    [Id(2)] public List<string> Expiries { get; set; } = [];
    /// <summary>Assignment ids given up after too many expiries: their prompts are reported, not re-leased.</summary>
    [Id(3)] public List<string> Abandoned { get; set; } = [];
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
    /// <summary>Prompts of assignments given up after repeated lease expiries (reported at hand-off).</summary>
    public List<int> AbandonedPrompts { get; } = [];
    public int AbandonedAssignments { get; set; }
    /// <summary>Every assignment is settled: completed, or abandoned as poison.</summary>
    public bool IsComplete => CompletedAssignments + AbandonedAssignments == Assignments.Count;
}

public enum AssignmentStatus { Pending = 0, Leased = 1, Completed = 2, Abandoned = 3 }

public sealed class AssignmentRecord(RolloutAssignment assignment)
{
    /// <summary>The assignment as first issued; each lease hands out a copy with that lease's deadline.</summary>
    public RolloutAssignment Assignment { get; } = assignment;
    public AssignmentStatus Status { get; set; }
    public string? LeasedTo { get; set; }
    public DateTimeOffset LeaseDeadline { get; set; }
    /// <summary>Every worker that ever held a lease: any of them may complete it, the first completion wins.</summary>
    public List<string> Holders { get; } = [];
    /// <summary>Leases of this assignment that ran out: a poison assignment (every worker crashes on it) is abandoned after MaxLeaseExpiries.</summary>
    public int Expiries { get; set; }
}
