using System.Diagnostics;
using Vrm.Orchestrator.Contracts.Rollouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Rollouts;

/// <summary>
/// The rollout schedule of one run. Non-reentrant: every call runs alone, so the bookkeeping needs no
/// locks. Lease never waits — the worker polls with backoff (client side; see `vrm bench cluster`).
/// Persistence: a small snapshot (steps, settings) is written before Enqueue/Take/Acknowledge return;
/// leases and completions are appended as per-step event segments on a short timer (written once,
/// deleted when the step is acknowledged). Losing unflushed events on a crash only means an
/// assignment runs again — the learner still sees each group exactly once.
/// </summary>
public sealed class RolloutSchedulerGrain(
    [PersistentState("scheduler", OrchestratorHost.StorageName)] IPersistentState<SchedulerState> state,
    [FromKeyedServices(OrchestratorHost.StorageName)] IGrainStorage storage,
    ILogger<RolloutSchedulerGrain> logger)
    : Grain, IRolloutSchedulerGrain, IRemindable
{
    // Each flush serialises the whole state (all unconsumed steps' groups), so flushing more often
    // costs throughput; a crash loses at most this much completed work, which then simply runs again.
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(500);
    private const string KeepAliveReminder = "keep-alive";

    // Pending assignments per step, oldest step first; re-leased assignments go to the front.
    private readonly SortedDictionary<long, LinkedList<AssignmentRecord>> _pending = [];
    private readonly Dictionary<string, LinkedListNode<AssignmentRecord>> _pendingNodes = [];
    private readonly Dictionary<string, AssignmentRecord> _leased = [];
    private readonly Dictionary<string, (StepRecord Step, AssignmentRecord Record)> _byId = [];
    private readonly Dictionary<long, StepRecord> _steps = [];
    // Segment states by name, kept for their ETags so acknowledged steps' segments can be cleared.
    private readonly Dictionary<string, GrainState<StepSegment>> _segments = [];
    private IGrainTimer? _expiryTimer;
    private TimeSpan _expiryPeriod;
    private bool _dirty;
    private bool _reminderRegistered;
    private long _leasesGranted, _leasesExpired, _completionsAccepted, _completionsIgnored, _stepsHandedOff, _writes;
    private long _writeTicks, _leaseTicks, _completeTicks;

    private SchedulerState S => state.State;
    private string RunId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        // Rebuild memory from the snapshot and replay each step's segments (after a failover too).
        // Leased assignments keep their lease: the holder may still complete; the timer reclaims them.
        foreach (var header in S.Steps.Values.OrderBy(h => h.Request.Step))
        {
            var step = Materialise(header);
            foreach (var name in header.Segments)
            {
                var seg = new GrainState<StepSegment>(new StepSegment());
                await storage.ReadStateAsync(name, this.GetGrainId(), seg, ct);
                _segments[name] = seg;
                Replay(step, seg.State ?? new StepSegment()); // a missing segment only means its assignments run again
            }
            foreach (var rec in step.Assignments.Values)
            {
                if (rec.Status == AssignmentStatus.Pending) AddPending(rec, front: false);
                else if (rec.Status == AssignmentStatus.Leased) _leased[rec.Assignment.AssignmentId] = rec;
            }
        }
        _reminderRegistered = S.Steps.Count > 0; // registered before the failover, if there was work
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
                request.RequiredVersion, header.MinVersion, request.Sampling, DateTimeOffset.MinValue));
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
            if (!step.Assignments.TryGetValue(l.AssignmentId, out var rec) || rec.Status == AssignmentStatus.Completed) continue;
            rec.Status = AssignmentStatus.Leased;
            rec.LeasedTo = l.WorkerId;
            rec.LeaseDeadline = l.Deadline;
            if (!rec.Holders.Contains(l.WorkerId)) rec.Holders.Add(l.WorkerId);
        }
        foreach (var c in segment.Completions)
        {
            if (!step.Assignments.TryGetValue(c.AssignmentId, out var rec) || rec.Status == AssignmentStatus.Completed) continue;
            rec.Status = AssignmentStatus.Completed;
            rec.LeasedTo = c.WorkerId;
            step.Groups.AddRange(c.Groups);
            step.CompletedAssignments++;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        if (_dirty) await FlushNow();
    }

    public async Task Configure(SchedulerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } error) throw new ArgumentException($"run '{RunId}': {error}");
        if (S.Settings == settings) return;
        S.Settings = settings;
        await FlushNow();
        StartTimers();
    }

    public async Task SetPaused(bool paused)
    {
        if (S.Paused == paused) return;
        S.Paused = paused;
        await FlushNow();
    }

    public async Task<EnqueueResult> EnqueueStep(StepRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Validate() is { } error) throw new ArgumentException($"run '{RunId}': {error}");
        var cap = S.Settings.MaxUnconsumedSteps;
        if (S.Paused) return new(EnqueueOutcome.Paused, 0, Unconsumed(), cap);
        if (S.AcknowledgedSteps.Contains(request.Step)) return new(EnqueueOutcome.AlreadyAcknowledged, 0, Unconsumed(), cap);
        if (_steps.TryGetValue(request.Step, out var existing))
            return new(EnqueueOutcome.AlreadyEnqueued, existing.Assignments.Count, Unconsumed(), cap);
        if (Unconsumed() >= cap) return new(EnqueueOutcome.Backpressure, 0, Unconsumed(), cap);

        var header = new StepHeader
        {
            Request = request,
            FirstAssignmentNumber = S.NextAssignmentNumber,
            MinVersion = Math.Max(0, request.RequiredVersion - S.Settings.MaxStaleness),
        };
        var step = Materialise(header);
        S.NextAssignmentNumber += step.Assignments.Count;
        foreach (var rec in step.Assignments.Values) AddPending(rec, front: false);
        S.Steps[request.Step] = header;
        await FlushNow();
        await EnsureKeepAlive(true);
        return new(EnqueueOutcome.Enqueued, step.Assignments.Count, Unconsumed(), cap);
    }

    public Task<LeaseResult> Lease(string workerId, long workerVersion)
    {
        var t0 = Stopwatch.GetTimestamp();
        try { return Task.FromResult(LeaseCore(workerId, workerVersion)); }
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
            _byId[rec.Assignment.AssignmentId].Step.Unflushed.Leases.Add(new LeaseEvent(rec.Assignment.AssignmentId, workerId, deadline));
            _leased[rec.Assignment.AssignmentId] = rec;
            _dirty = true;
            _leasesGranted++;
            OrchestratorMetrics.AssignmentsLeased.Add(1);
            return new LeaseResult(LeaseOutcome.Assigned, rec.Assignment with { LeaseDeadline = deadline }, null, TimeSpan.Zero);
        }
        var retry = S.Settings.NoWorkRetryAfter;
        return needed is null
            ? new LeaseResult(LeaseOutcome.NoWork, null, null, retry)
            : new LeaseResult(LeaseOutcome.VersionTooOld, null, needed, retry);
    }

    public Task<CompletionAck> Complete(string assignmentId, string workerId, CompletedGroup[] groups)
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
        return Task.FromResult(ack);
    }

    private CompletionAck TryComplete(string assignmentId, string workerId, CompletedGroup[] groups)
    {
        if (assignmentId is null || !_byId.TryGetValue(assignmentId, out var entry))
            return new(CompletionOutcome.UnknownAssignment, $"assignment '{assignmentId}' is not open in run '{RunId}'");
        var (step, rec) = entry;
        if (rec.Status == AssignmentStatus.Completed) return new(CompletionOutcome.Duplicate);
        if (workerId is null || !rec.Holders.Contains(workerId))
            return new(CompletionOutcome.NotLeaseHolder, $"worker '{workerId}' never leased assignment '{assignmentId}'");
        if (Invalid(rec.Assignment, groups) is { } error) return new(CompletionOutcome.Invalid, error);
        if (groups.FirstOrDefault(g => g.PolicyVersion < rec.Assignment.MinVersion) is { } stale)
            return new(CompletionOutcome.StaleVersion,
                $"group for prompt {stale.PromptIndex} was sampled with policy version {stale.PolicyVersion}; assignment '{assignmentId}' needs ≥ {rec.Assignment.MinVersion}");
        if (step.Header.HandedOff) return new(CompletionOutcome.Duplicate); // cannot happen (handed off ⇒ complete); guards frozen contents

        if (rec.Status == AssignmentStatus.Pending) RemovePending(rec);
        _leased.Remove(assignmentId);
        rec.Status = AssignmentStatus.Completed;
        rec.LeasedTo = workerId;
        step.Groups.AddRange(groups);
        step.CompletedAssignments++;
        step.Unflushed.Completions.Add(new CompletionEvent(assignmentId, workerId, groups));
        _dirty = true;
        return new(CompletionOutcome.Accepted);
    }

    private static string? Invalid(RolloutAssignment a, CompletedGroup[]? groups)
    {
        if (groups is null || groups.Length != a.PromptIndices.Length)
            return $"assignment '{a.AssignmentId}' has {a.PromptIndices.Length} prompts but {groups?.Length ?? 0} groups were sent";
        var expected = a.PromptIndices.ToHashSet();
        foreach (var g in groups)
        {
            if (g is null) return $"assignment '{a.AssignmentId}': a group is null";
            if (!expected.Remove(g.PromptIndex)) return $"assignment '{a.AssignmentId}': prompt {g.PromptIndex} is not in the assignment or is sent twice";
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
            rec.Header.HandedOff = true;
            // Every completion and the hand-off are durable before the learner sees the step: a failover
            // after this returns the same groups as a redelivery.
            await FlushNow();
            _stepsHandedOff++;
            OrchestratorMetrics.StepsHandedOff.Add(1);
        }
        return new(TakeStepOutcome.Ready, step, rec.Groups.ToArray(), rec.CompletedAssignments, rec.Assignments.Count, redelivery);
    }

    public async Task AcknowledgeStep(long step)
    {
        if (S.AcknowledgedSteps.Contains(step)) return;
        if (!_steps.TryGetValue(step, out var rec))
            throw new ArgumentException($"run '{RunId}': step {step} was never enqueued, it cannot be acknowledged");
        if (!rec.Header.HandedOff)
            throw new InvalidOperationException($"run '{RunId}': step {step} was not handed off yet (TakeCompletedStep first)");
        foreach (var id in rec.Assignments.Keys) { _byId.Remove(id); _leased.Remove(id); RemovePending(rec.Assignments[id]); }
        _steps.Remove(step);
        S.Steps.Remove(step);
        S.AcknowledgedSteps.Add(step);
        await FlushNow();
        // The snapshot no longer names the segments, so a failure here only leaves garbage behind.
        foreach (var name in rec.Header.Segments)
        {
            if (_segments.Remove(name, out var seg)) await storage.ClearStateAsync(name, this.GetGrainId(), seg);
        }
        if (S.Steps.Count == 0) await EnsureKeepAlive(false);
    }

    public Task<SchedulerStats> GetStats() => Task.FromResult(new SchedulerStats(
        _pendingNodes.Count, _leased.Count, Unconsumed(), _leasesGranted, _leasesExpired,
        _completionsAccepted, _completionsIgnored, _stepsHandedOff,
        S.AcknowledgedSteps.Count == 0 ? -1 : S.AcknowledgedSteps.Max(),
        _writes, Ms(_writeTicks), Ms(_leaseTicks), Ms(_completeTicks)));

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    private int Unconsumed() => S.Steps.Values.Count(s => !s.HandedOff);

    private static string NewSegmentName(long step) => $"scheduler-step-{step}-segment-{Guid.NewGuid():N}";

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
        // Check deadlines a few times per lease (reminders, 1-minute minimum, are too coarse) and flush
        // written-behind state at least every FlushInterval.
        var period = TimeSpan.FromTicks(Math.Clamp(S.Settings.LeaseDuration.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, FlushInterval.Ticks));
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
                _leased.Remove(rec.Assignment.AssignmentId);
                rec.Status = AssignmentStatus.Pending;
                rec.LeasedTo = null;
                AddPending(rec, front: true);
                _leasesExpired++;
            }
            OrchestratorMetrics.AssignmentsExpired.Add(expired.Count);
            _dirty = true;
        }
        if (_dirty && now - _lastWrite >= FlushInterval) StartBackgroundFlush();
        return Task.CompletedTask;
    }

    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;

    /// <summary>
    /// Append each step's unflushed events as a new segment, then write the snapshot that names them.
    /// The events are taken synchronously (before the first await), so calls that run while a
    /// background flush waits on storage add to fresh buffers; a failed segment's events go back.
    /// </summary>
    private async Task Flush()
    {
        _dirty = false;
        _lastWrite = DateTimeOffset.UtcNow;
        var t0 = Stopwatch.GetTimestamp();
        var batch = new List<(StepRecord Step, StepSegment Segment)>();
        foreach (var step in _steps.Values)
        {
            if (step.Unflushed.IsEmpty) continue;
            batch.Add((step, step.Unflushed));
            step.Unflushed = new StepSegment();
        }
        for (var i = 0; i < batch.Count; i++)
        {
            var (step, segment) = batch[i];
            var name = NewSegmentName(step.Header.Request.Step);
            var seg = new GrainState<StepSegment>(segment);
            try
            {
                await storage.WriteStateAsync(name, this.GetGrainId(), seg);
            }
            catch
            {
                foreach (var (s, g) in batch.Skip(i)) { s.Unflushed.Leases.InsertRange(0, g.Leases); s.Unflushed.Completions.InsertRange(0, g.Completions); }
                _dirty = true;
                throw;
            }
            _segments[name] = seg;
            step.Header.Segments.Add(name);
            _writes++;
        }
        await state.WriteStateAsync();
        _writes++;
        _writeTicks += Stopwatch.GetTimestamp() - t0;
    }

    /// <summary>Flush now, after any background flush finishes (one write of the snapshot at a time).</summary>
    private async Task FlushNow()
    {
        if (_backgroundFlush is { IsCompleted: false } running) await running;
        await Flush();
    }

    /// <summary>
    /// Written-behind flush that does not hold the grain's turn while storage round-trips: leases and
    /// completions keep being served meanwhile (measured: awaiting it in the timer turn stalled leases
    /// for ~100 ms per flush).
    /// </summary>
    private void StartBackgroundFlush()
    {
        if (_backgroundFlush is { IsCompleted: false }) return;
        _backgroundFlush = BackgroundFlush();
    }

    private async Task BackgroundFlush()
    {
        try { await Flush(); }
        catch (Exception e)
        {
            _dirty = true; // retried on the next tick
            logger.LogWarning(e, "run {RunId}: written-behind flush failed; retrying", RunId);
        }
    }

    private Task? _backgroundFlush;

    private async Task EnsureKeepAlive(bool wanted)
    {
        // A reminder survives silo failure: it reactivates the grain elsewhere so leases keep expiring.
        if (wanted == _reminderRegistered) return;
        if (wanted) await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        else if (await this.GetReminder(KeepAliveReminder) is { } r) await this.UnregisterReminder(r);
        _reminderRegistered = wanted;
    }
}
