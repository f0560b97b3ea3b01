using System.Diagnostics;
using Vrm.Orchestrator.Contracts.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Storage;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Rollouts;

/// <summary>
/// The rollout schedule of one run.
/// Concurrency: reentrant, so a call that waits for durability (a completion being committed) never
/// holds up leases. Every mutation happens synchronously before a call's first await, and a call
/// re-checks what it needs after an await; all turns still run one at a time, so no locks.
/// Lease never waits — neither on storage nor for work (the worker polls with backoff).
/// Durability (<see cref="SchedulerJournal"/>, group commit): an accepted completion, an enqueued step,
/// a hand-off and an acknowledgement are durable before the reply; leases and expiries are written
/// behind (a lost lease only means its assignment is leased again after a failover — the learner still
/// sees each group exactly once).
/// Poison: an assignment whose lease expired <see cref="SchedulerSettings.MaxLeaseExpiries"/> times is
/// abandoned (metric vrm_assignments_abandoned_total, a warning, and its prompts in the step's
/// <see cref="TakeStepResult.AbandonedPromptIndices"/>) instead of being re-leased forever.
/// </summary>
[Reentrant]
public sealed class RolloutSchedulerGrain(
    [FromKeyedServices(OrchestratorHost.StorageName)] IGrainStorage storage,
    ILogger<RolloutSchedulerGrain> logger)
    : Grain, IRolloutSchedulerGrain, IRemindable
{
    // Lease and expiry events are written behind at least this often when no completion forces a commit.
    private static readonly TimeSpan WriteBehindInterval = TimeSpan.FromMilliseconds(200);
    private const string KeepAliveReminder = "keep-alive";

    // Pending assignments per step, oldest step first; re-leased assignments go to the front.
    private readonly SortedDictionary<long, LinkedList<AssignmentRecord>> _pending = [];
    private readonly Dictionary<string, LinkedListNode<AssignmentRecord>> _pendingNodes = [];
    private readonly Dictionary<string, AssignmentRecord> _leased = [];
    private readonly Dictionary<string, (StepRecord Step, AssignmentRecord Record)> _byId = [];
    private readonly Dictionary<long, StepRecord> _steps = [];
    private SchedulerState S = new();
    private SchedulerJournal _journal = null!;
    private IGrainTimer? _expiryTimer;
    private TimeSpan _expiryPeriod;
    private bool _keepAliveWanted, _keepAliveActual;
    private Task _keepAliveSync = Task.CompletedTask;
    private long _leasesGranted, _leasesExpired, _completionsAccepted, _completionsIgnored, _stepsHandedOff, _abandoned;
    private long _leaseTicks, _completeTicks;

    private string RunId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        // Rebuild memory from the snapshot and replay each step's segments (after a failover too).
        // Leased assignments keep their lease: the holder may still complete; the timer reclaims them.
        _journal = new SchedulerJournal(storage, this.GetGrainId(), () => S.Copy(), logger);
        _journal.Fenced += _ => this.DeactivateOnIdle();
        var (state, events) = await _journal.LoadAsync(ct);
        S = state;
        foreach (var header in S.Steps.Values.OrderBy(h => h.Request.Step)) Materialise(header);
        foreach (var (stepNumber, segment) in events)
            if (_steps.TryGetValue(stepNumber, out var step)) Replay(step, segment);
        foreach (var step in _steps.Values)
        {
            foreach (var rec in step.Assignments.Values)
            {
                if (rec.Status == AssignmentStatus.Pending) AddPending(rec, front: false);
                else if (rec.Status == AssignmentStatus.Leased) _leased[rec.Assignment.AssignmentId] = rec;
            }
        }
        // Registered before the failover, if there was work.
        _keepAliveWanted = _keepAliveActual = S.Steps.Count > 0;
        StartTimers();
    }

    /// <summary>The step's assignments, derived from its request exactly as EnqueueStep first made them.</summary>
    private StepRecord Materialise(StepHeader header)
    {
        var request = header.Request;
        var step = new StepRecord(header);
        var number = header.FirstAssignmentNumber;
        foreach (var chunk in request.PromptIndices.Chunk(request.PromptsPerAssignment))
        {
            var id = $"{RunId}/{request.Step}/{number++}";
            var rec = new AssignmentRecord(new RolloutAssignment(id, RunId, request.Step, chunk, request.GroupSize,
                request.RequiredVersion, header.MinVersion, request.Sampling, DateTimeOffset.MinValue, request.Weights));
            step.Assignments[id] = rec;
            _byId[id] = (step, rec);
        }
        _steps[request.Step] = step;
        return step;
    }

    private static void Replay(StepRecord step, StepSegment segment)
    {
        foreach (var l in segment.Leases)
        {
            if (!step.Assignments.TryGetValue(l.AssignmentId, out var rec) || rec.Status is AssignmentStatus.Completed or AssignmentStatus.Abandoned) continue;
            rec.Status = AssignmentStatus.Leased;
            rec.LeasedTo = l.WorkerId;
            rec.LeaseDeadline = l.Deadline;
            if (!rec.Holders.Contains(l.WorkerId)) rec.Holders.Add(l.WorkerId);
        }
        foreach (var id in segment.Expiries)
        {
            if (!step.Assignments.TryGetValue(id, out var rec)) continue;
            rec.Expiries++;
            // A segment holds a lease and its expiry, in that order: the expired lease is over.
            if (rec.Status == AssignmentStatus.Leased && rec.LeaseDeadline <= DateTimeOffset.UtcNow) { rec.Status = AssignmentStatus.Pending; rec.LeasedTo = null; }
        }
        foreach (var c in segment.Completions)
        {
            if (!step.Assignments.TryGetValue(c.AssignmentId, out var rec) || rec.Status is AssignmentStatus.Completed or AssignmentStatus.Abandoned) continue;
            rec.Status = AssignmentStatus.Completed;
            rec.LeasedTo = c.WorkerId;
            step.Groups.AddRange(c.Groups);
            step.CompletedAssignments++;
        }
        foreach (var id in segment.Abandoned)
        {
            if (!step.Assignments.TryGetValue(id, out var rec) || rec.Status is AssignmentStatus.Completed or AssignmentStatus.Abandoned) continue;
            Abandon(step, rec);
        }
    }

    private static void Abandon(StepRecord step, AssignmentRecord rec)
    {
        rec.Status = AssignmentStatus.Abandoned;
        rec.LeasedTo = null;
        step.AbandonedAssignments++;
        step.AbandonedPrompts.AddRange(rec.Assignment.PromptIndices);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        try { await _journal.Commit().WaitAsync(ct); }
        catch (Exception e) { logger.LogWarning(e, "run {RunId}: scheduler deactivating with unwritten events (leases/expiries only: replies waited for theirs)", RunId); }
    }

    public async Task Configure(SchedulerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } error) throw new ArgumentException($"run '{RunId}': {error}");
        if (S.Settings != settings)
        {
            S.Settings = settings;
            _journal.SnapshotChanged();
            StartTimers();
        }
        await _journal.Commit();
    }

    public async Task SetPaused(bool paused)
    {
        if (S.Paused != paused)
        {
            S.Paused = paused;
            _journal.SnapshotChanged();
        }
        await _journal.Commit();
    }

    public async Task<EnqueueResult> EnqueueStep(StepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Validate() is { } error) throw new ArgumentException($"run '{RunId}': {error}");
        var cap = S.Settings.MaxUnconsumedSteps;
        if (S.Paused) return new(EnqueueOutcome.Paused, 0, Unconsumed(), cap);
        if (S.AcknowledgedSteps.Contains(request.Step)) return new(EnqueueOutcome.AlreadyAcknowledged, 0, Unconsumed(), cap);
        if (_steps.TryGetValue(request.Step, out var existing))
        {
            await _journal.Commit(); // the first EnqueueStep of it may still be writing
            return new(EnqueueOutcome.AlreadyEnqueued, existing.Assignments.Count, Unconsumed(), cap);
        }
        if (Unconsumed() >= cap) return new(EnqueueOutcome.Backpressure, 0, Unconsumed(), cap);

        var header = new StepHeader
        {
            Request = request,
            FirstAssignmentNumber = S.NextAssignmentNumber,
            MinVersion = Math.Max(0, request.RequiredVersion - S.Settings.MaxStaleness),
            FirstEpoch = S.Epoch,
        };
        var step = Materialise(header);
        S.NextAssignmentNumber += step.Assignments.Count;
        foreach (var rec in step.Assignments.Values) AddPending(rec, front: false);
        S.Steps[request.Step] = header;
        _journal.SnapshotChanged();
        _keepAliveWanted = true;
        await _journal.Commit();
        await SyncKeepAlive();
        return new(EnqueueOutcome.Enqueued, step.Assignments.Count, Unconsumed(), cap);
    }

    public Task<LeaseResult> Lease(string workerId, long workerVersion) => Task.FromResult(TimedLease(workerId, workerVersion));

    /// <summary><see cref="LeaseCore"/> with its time added to the scheduler's lease busy time (stats).</summary>
    private LeaseResult TimedLease(string workerId, long workerVersion)
    {
        var t0 = Stopwatch.GetTimestamp();
        try { return LeaseCore(workerId, workerVersion); }
        finally { _leaseTicks += Stopwatch.GetTimestamp() - t0; }
    }

    private LeaseResult LeaseCore(string workerId, long workerVersion)
    {
        if (string.IsNullOrWhiteSpace(workerId)) throw new ArgumentException($"run '{RunId}': lease needs a worker id");
        if (S.Paused) return new LeaseResult(LeaseOutcome.NoWork, null, null, S.Settings.NoWorkRetryAfter);
        long? needed = null;
        foreach (var (_, queue) in _pending)
        {
            var first = queue.First;
            if (first is null) continue;
            var rec = first.Value;
            if (rec.Assignment.MinVersion > workerVersion)
            {
                needed = needed is null ? rec.Assignment.MinVersion : Math.Min(needed.Value, rec.Assignment.MinVersion);
                continue;
            }
            RemovePending(rec);
            var deadline = DateTimeOffset.UtcNow + S.Settings.LeaseDuration;
            rec.Status = AssignmentStatus.Leased;
            rec.LeasedTo = workerId;
            rec.LeaseDeadline = deadline;
            if (!rec.Holders.Contains(workerId)) rec.Holders.Add(workerId);
            _journal.Open(rec.Assignment.Step).Leases.Add(new LeaseEvent(rec.Assignment.AssignmentId, workerId, deadline));
            _leased[rec.Assignment.AssignmentId] = rec;
            _leasesGranted++;
            OrchestratorMetrics.AssignmentsLeased.Add(1);
            return new LeaseResult(LeaseOutcome.Assigned, rec.Assignment with { LeaseDeadline = deadline }, null, TimeSpan.Zero);
        }
        var retry = S.Settings.NoWorkRetryAfter;
        return needed is null
            ? new LeaseResult(LeaseOutcome.NoWork, null, null, retry)
            : new LeaseResult(LeaseOutcome.VersionTooOld, null, needed, retry);
    }

    public Task<DateTimeOffset?> RenewLease(string assignmentId, string workerId)
    {
        if (!_leased.TryGetValue(assignmentId, out var rec) || rec.Status != AssignmentStatus.Leased || rec.LeasedTo != workerId)
            return Task.FromResult<DateTimeOffset?>(null);
        var deadline = DateTimeOffset.UtcNow + S.Settings.LeaseDuration;
        rec.LeaseDeadline = deadline;
        // Written behind like the lease itself: a renewal lost in a crash only means an earlier re-lease.
        _journal.Open(rec.Assignment.Step).Leases.Add(new LeaseEvent(assignmentId, workerId, deadline));
        return Task.FromResult<DateTimeOffset?>(deadline);
    }

    public async Task<CompletionAck> Complete(string assignmentId, string workerId, CompletedGroup[] groups)
    {
        var ack = CompleteCore(assignmentId, workerId, groups);
        // "Settled" tells the worker to drop its copy: the completion it refers to must be durable first.
        // Group commit: every completion arriving while a pass writes shares the next pass.
        if (ack.Settled) await _journal.Commit();
        return ack;
    }

    public async Task<CompleteAndLeaseResult> CompleteAndLease(string assignmentId, string workerId, CompletedGroup[] groups, long workerVersion)
    {
        var ack = CompleteCore(assignmentId, workerId, groups);
        // Granted in the same turn (no Task per call); the reply (and so the lease) waits for the completion's commit.
        var next = TimedLease(workerId, workerVersion);
        if (ack.Settled) await _journal.Commit();
        return new CompleteAndLeaseResult(ack, next);
    }

    private CompletionAck CompleteCore(string assignmentId, string workerId, CompletedGroup[] groups)
    {
        var t0 = Stopwatch.GetTimestamp();
        var ack = TryComplete(assignmentId, workerId, groups);
        if (ack.Outcome == CompletionOutcome.Accepted)
        {
            _completionsAccepted++;
            OrchestratorMetrics.AssignmentsCompleted.Add(1);
        }
        else
        {
            _completionsIgnored++;
            OrchestratorMetrics.CompletionsIgnored.Add(1);
        }
        _completeTicks += Stopwatch.GetTimestamp() - t0;
        return ack;
    }

    private CompletionAck TryComplete(string assignmentId, string workerId, CompletedGroup[] groups)
    {
        if (assignmentId is null || !_byId.TryGetValue(assignmentId, out var entry))
            return new(CompletionOutcome.UnknownAssignment, $"assignment '{assignmentId}' is not open in run '{RunId}'");
        var (step, rec) = entry;
        if (rec.Status == AssignmentStatus.Completed) return new(CompletionOutcome.Duplicate);
        if (rec.Status == AssignmentStatus.Abandoned)
            return new(CompletionOutcome.Abandoned, $"assignment '{assignmentId}' was abandoned after {rec.Expiries} lease expiries");
        if (workerId is null || !rec.Holders.Contains(workerId))
            return new(CompletionOutcome.NotLeaseHolder, $"worker '{workerId}' never leased assignment '{assignmentId}'");
        if (Invalid(rec.Assignment, groups) is { } error) return new(CompletionOutcome.Invalid, error);
        // Loops, not LINQ: this runs once per assignment and a lambda capturing rec allocated a closure each time.
        foreach (var stale in groups)
            if (stale.PolicyVersion < rec.Assignment.MinVersion)
                return new(CompletionOutcome.StaleVersion,
                    $"group for prompt {stale.PromptIndex} was sampled with policy version {stale.PolicyVersion}; assignment '{assignmentId}' needs ≥ {rec.Assignment.MinVersion}");
        if (step.Header.HandedOff) return new(CompletionOutcome.Duplicate); // cannot happen (handed off ⇒ settled); guards frozen contents

        if (rec.Status == AssignmentStatus.Pending) RemovePending(rec);
        _leased.Remove(assignmentId);
        rec.Status = AssignmentStatus.Completed;
        rec.LeasedTo = workerId;
        step.Groups.AddRange(groups);
        step.CompletedAssignments++;
        _journal.Open(step.Header.Request.Step).Completions.Add(new CompletionEvent(assignmentId, workerId, groups));
        return new(CompletionOutcome.Accepted);
    }

    private static string? Invalid(RolloutAssignment a, CompletedGroup[]? groups)
    {
        if (groups is null || groups.Length != a.PromptIndices.Length)
            return $"assignment '{a.AssignmentId}' has {a.PromptIndices.Length} prompts but {groups?.Length ?? 0} groups were sent";
        // Each prompt of the assignment matched by exactly one group. Without a HashSet per call: assignments hold a
        // few prompts, so the quadratic scan is cheaper than the allocation (a stack bitmap up to 256 prompts).
        var n = a.PromptIndices.Length;
        Span<bool> seen = n <= 256 ? stackalloc bool[n] : new bool[n];
        foreach (var g in groups)
        {
            if (g is null) return $"assignment '{a.AssignmentId}': a group is null";
            var at = Array.IndexOf(a.PromptIndices, g.PromptIndex);
            while (at >= 0 && seen[at]) at = Array.IndexOf(a.PromptIndices, g.PromptIndex, at + 1);
            if (at < 0) return $"assignment '{a.AssignmentId}': prompt {g.PromptIndex} is not in the assignment or is sent twice";
            seen[at] = true;
            if (g.Completions is null || g.Completions.Length != a.GroupSize)
                return $"assignment '{a.AssignmentId}': prompt {g.PromptIndex} has {g.Completions?.Length ?? 0} completions, the group size is {a.GroupSize}";
            foreach (var c in g.Completions)
            {
                if (c?.TokenIds is null || c.BehaviourLogProbs is null || c.Reward is null)
                    return $"assignment '{a.AssignmentId}': prompt {g.PromptIndex} has a completion without token ids, log-probs or reward";
                if (c.TokenIds.Length != c.BehaviourLogProbs.Length)
                    return $"assignment '{a.AssignmentId}': prompt {g.PromptIndex} has a completion with {c.TokenIds.Length} tokens but {c.BehaviourLogProbs.Length} log-probs";
            }
        }
        return null;
    }

    public async Task<TakeStepResult> TakeCompletedStep(long step)
    {
        if (S.AcknowledgedSteps.Contains(step)) return new(TakeStepOutcome.AlreadyAcknowledged, step, [], 0, 0, false);
        if (!_steps.TryGetValue(step, out var rec)) return new(TakeStepOutcome.UnknownStep, step, [], 0, 0, false);
        if (!rec.IsComplete) return new(TakeStepOutcome.NotReady, step, [], rec.CompletedAssignments, rec.Assignments.Count, false);
        var redelivery = rec.Header.HandedOff;
        if (!redelivery)
        {
            // Every completion (and abandonment) durable first, then the hand-off: a failover can never find
            // a handed-off step with a completion missing (it would wait forever on a frozen step).
            await _journal.Commit();
            if (S.AcknowledgedSteps.Contains(step)) return new(TakeStepOutcome.AlreadyAcknowledged, step, [], 0, 0, false);
            redelivery = rec.Header.HandedOff; // another TakeCompletedStep got here during the await
            if (!redelivery)
            {
                rec.Header.HandedOff = true;
                _journal.SnapshotChanged();
                _stepsHandedOff++;
                OrchestratorMetrics.StepsHandedOff.Add(1);
                if (rec.AbandonedPrompts.Count > 0)
                    logger.LogWarning("run {RunId}: step {Step} handed off without {Count} abandoned prompts (poison: lease expired {Max} times): {Prompts}",
                        RunId, step, rec.AbandonedPrompts.Count, S.Settings.MaxLeaseExpiries, string.Join(',', rec.AbandonedPrompts));
            }
        }
        // The same groups as a redelivery after a failover: the hand-off is durable before the learner sees it.
        await _journal.Commit();
        return new(TakeStepOutcome.Ready, step, rec.Groups.ToArray(), rec.CompletedAssignments, rec.Assignments.Count, redelivery,
            rec.AbandonedPrompts.Count == 0 ? null : [.. rec.AbandonedPrompts]);
    }

    public async Task AcknowledgeStep(long step)
    {
        if (!S.AcknowledgedSteps.Contains(step))
        {
            if (!_steps.TryGetValue(step, out var rec))
                throw new ArgumentException($"run '{RunId}': step {step} was never enqueued, it cannot be acknowledged");
            if (!rec.Header.HandedOff)
                throw new InvalidOperationException($"run '{RunId}': step {step} was not handed off yet (TakeCompletedStep first)");
            foreach (var (id, a) in rec.Assignments) { _byId.Remove(id); _leased.Remove(id); RemovePending(a); }
            _steps.Remove(step);
            S.Steps.Remove(step);
            S.AcknowledgedSteps.Add(step);
            // Its segments are cleared by the journal once the snapshot without the step is durable.
            _journal.ForgetStep(step);
            _keepAliveWanted = S.Steps.Count > 0;
        }
        await _journal.Commit();
        await SyncKeepAlive();
    }

    public Task<SchedulerStats> GetStats() => Task.FromResult(new SchedulerStats(
        _pendingNodes.Count, _leased.Count, Unconsumed(), _leasesGranted, _leasesExpired,
        _completionsAccepted, _completionsIgnored, _stepsHandedOff,
        S.AcknowledgedSteps.Count == 0 ? -1 : S.AcknowledgedSteps.Max(),
        _journal.Writes, Ms(_journal.WriteTicks), Ms(_leaseTicks), Ms(_completeTicks), _abandoned, _journal.Passes,
        _journal.SegmentsCleared, Ms(_journal.MaxPassTicks),
        _leased.Values.Select(r => r.LeasedTo ?? "").Order(StringComparer.Ordinal).ToArray()));

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    private int Unconsumed() => S.Steps.Values.Count(s => !s.HandedOff);

    private void AddPending(AssignmentRecord rec, bool front)
    {
        var step = rec.Assignment.Step;
        if (!_pending.TryGetValue(step, out var queue)) _pending[step] = queue = new LinkedList<AssignmentRecord>();
        _pendingNodes[rec.Assignment.AssignmentId] = front ? queue.AddFirst(rec) : queue.AddLast(rec);
    }

    private void RemovePending(AssignmentRecord rec)
    {
        if (!_pendingNodes.Remove(rec.Assignment.AssignmentId, out var node)) return;
        var queue = node.List!;
        queue.Remove(node);
        if (queue.Count == 0) _pending.Remove(rec.Assignment.Step);
    }

    private void StartTimers()
    {
        // Check deadlines a few times per lease (reminders, 1-minute minimum, are too coarse) and write
        // lease/expiry events behind.
        var period = TimeSpan.FromTicks(Math.Clamp(S.Settings.LeaseDuration.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromMilliseconds(500).Ticks));
        if (_expiryTimer is not null && period == _expiryPeriod) return;
        _expiryTimer?.Dispose();
        _expiryPeriod = period;
        _expiryTimer = this.RegisterGrainTimer(OnTick, new GrainTimerCreationOptions(period, period) { Interleave = false, KeepAlive = false });
    }

    private Task OnTick(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        List<AssignmentRecord>? expired = null;
        foreach (var rec in _leased.Values)
            if (rec.LeaseDeadline <= now) (expired ??= []).Add(rec);
        if (expired is not null)
        {
            foreach (var rec in expired)
            {
                var id = rec.Assignment.AssignmentId;
                var step = _byId[id].Step;
                var events = _journal.Open(rec.Assignment.Step);
                _leased.Remove(id);
                rec.Expiries++;
                _leasesExpired++;
                events.Expiries.Add(id);
                if (rec.Expiries >= S.Settings.MaxLeaseExpiries)
                {
                    // Poison: every worker that took it died or hung. Re-leasing it forever would stall the
                    // step (and the run) for good; the learner gets the step without these prompts instead.
                    Abandon(step, rec);
                    events.Abandoned.Add(id);
                    _abandoned++;
                    OrchestratorMetrics.AssignmentsAbandoned.Add(1);
                    logger.LogWarning("run {RunId}: assignment {Id} (prompts {Prompts}) abandoned after {Expiries} lease expiries (holders {Holders})",
                        RunId, id, string.Join(',', rec.Assignment.PromptIndices), rec.Expiries, string.Join(',', rec.Holders));
                }
                else
                {
                    rec.Status = AssignmentStatus.Pending;
                    rec.LeasedTo = null;
                    AddPending(rec, front: true);
                }
            }
            OrchestratorMetrics.AssignmentsExpired.Add(expired.Count);
        }
        _journal.Nudge(WriteBehindInterval);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Bring the keep-alive reminder in line with whether there is work, one registry call at a time
    /// (reentrant calls may flip the wish while a call is out). A reminder survives silo failure: it
    /// reactivates the grain elsewhere so leases keep expiring.
    /// </summary>
    private Task SyncKeepAlive()
    {
        if (_keepAliveSync.IsCompleted && _keepAliveWanted != _keepAliveActual) _keepAliveSync = SyncKeepAliveLoop();
        return _keepAliveSync;
    }

    private async Task SyncKeepAliveLoop()
    {
        while (_keepAliveWanted != _keepAliveActual)
        {
            var wanted = _keepAliveWanted;
            if (wanted) await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            else if (await this.GetReminder(KeepAliveReminder) is { } r) await this.UnregisterReminder(r);
            _keepAliveActual = wanted;
        }
    }
}
