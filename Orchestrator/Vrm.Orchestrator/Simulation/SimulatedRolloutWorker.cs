using System.Diagnostics;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Workers;

namespace Vrm.Orchestrator.Simulation;

/// <summary>Knobs of a simulated worker.</summary>
public sealed record SimulatedWorkerOptions(
    LatencyDistribution Latency,
    int CompletionTokens = 8,
    TimeSpan? WeightPullTime = null,
    TimeSpan? MaxNoWorkBackoff = null,
    TimeSpan? HeartbeatInterval = null,
    bool SeparateCompleteAndLease = false);

/// <summary>
/// A rollout worker without a model (the GPSTracker fake-device idea): it registers, heartbeats,
/// leases assignments from the real scheduler grain, "samples" for a time drawn from the latency
/// distribution, and completes with well-formed fake groups. When the scheduler says its policy is
/// too old it "pulls" the needed version. Used by tests and by `vrm bench cluster`.
/// </summary>
public sealed class SimulatedRolloutWorker(IGrainFactory grains, string runId, string workerId, SimulatedWorkerOptions options, int seed)
{
    private readonly Random _rng = new(seed);
    private readonly IRolloutSchedulerGrain _scheduler = grains.GetGrain<IRolloutSchedulerGrain>(runId);
    private readonly IWorkerRegistryGrain _registry = grains.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey);
    private long _completed, _tokens;
    private volatile bool _draining;

    public string WorkerId => workerId;
    public long PolicyVersion { get; private set; }
    public long Completed => Interlocked.Read(ref _completed);
    public long NoWorkPolls { get; private set; }
    public long WeightPulls { get; private set; }
    public long CompletionsNotAccepted { get; private set; }

    /// <summary>Lease and complete until cancelled or drained. Lease round-trips are recorded (assigned ones in <paramref name="assignedLeases"/>).</summary>
    public async Task RunAsync(LatencyRecorder? assignedLeases, LatencyRecorder? allLeases, CancellationToken ct)
    {
        var caps = new WorkerCapabilities("sim", $"sim://{workerId}", 64);
        await OrchestratorRetry.Call(() => _registry.Register(workerId, caps), ct);
        using var heartbeats = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeatLoop = HeartbeatLoop(caps, heartbeats.Token);
        try
        {
            var backoff = TimeSpan.Zero;
            var maxBackoff = options.MaxNoWorkBackoff ?? TimeSpan.FromMilliseconds(100);
            LeaseResult? next = null;
            // A draining worker still finishes a lease that came back with its last completion.
            while (!ct.IsCancellationRequested && (!_draining || next is { Outcome: LeaseOutcome.Assigned }))
            {
                LeaseResult lease;
                if (next is not null) { lease = next; next = null; } // came back with the previous completion
                else
                {
                    var t0 = Stopwatch.GetTimestamp();
                    lease = await OrchestratorRetry.Call(() => _scheduler.Lease(workerId, PolicyVersion), ct);
                    var dt = Stopwatch.GetTimestamp() - t0;
                    allLeases?.Record(dt);
                    if (lease.Outcome == LeaseOutcome.Assigned) assignedLeases?.Record(dt);
                }
                switch (lease.Outcome)
                {
                    case LeaseOutcome.Assigned:
                        backoff = TimeSpan.Zero;
                        next = await Work(lease.Assignment!, assignedLeases, allLeases, ct);
                        break;
                    case LeaseOutcome.VersionTooOld:
                        WeightPulls++;
                        if (options.WeightPullTime is { } pull && pull > TimeSpan.Zero) await Task.Delay(pull, ct);
                        PolicyVersion = lease.NeededVersion!.Value;
                        break;
                    default:
                        // Client-side poll: start at the scheduler's hint, double up to a cap.
                        NoWorkPolls++;
                        backoff = backoff == TimeSpan.Zero ? lease.RetryAfter : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
                        await Task.Delay(backoff, ct);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            await heartbeats.CancelAsync();
            try { await heartbeatLoop; } catch (OperationCanceledException) { }
        }
    }

    /// <summary>
    /// "Sample", then complete. Returns the next lease when it came back with the completion
    /// (<see cref="IRolloutSchedulerGrain.CompleteAndLease"/>); its round trip is this worker's lease
    /// latency for that assignment — the time from finishing one assignment to holding the next.
    /// </summary>
    private async Task<LeaseResult?> Work(RolloutAssignment a, LatencyRecorder? assignedLeases, LatencyRecorder? allLeases, CancellationToken ct)
    {
        var latency = options.Latency.Sample(_rng);
        if (latency > TimeSpan.Zero) await Task.Delay(latency, ct);
        var groups = a.PromptIndices.Select(p => FakeGroup(a, p)).ToArray();
        CompletionAck ack;
        LeaseResult? next = null;
        if (options.SeparateCompleteAndLease || _draining)
            ack = await OrchestratorRetry.Call(() => _scheduler.Complete(a.AssignmentId, workerId, groups), ct);
        else
        {
            var t0 = Stopwatch.GetTimestamp();
            var both = await OrchestratorRetry.Call(() => _scheduler.CompleteAndLease(a.AssignmentId, workerId, groups, PolicyVersion), ct);
            var dt = Stopwatch.GetTimestamp() - t0;
            (ack, next) = (both.Ack, both.Next);
            allLeases?.Record(dt);
            if (next.Outcome == LeaseOutcome.Assigned) assignedLeases?.Record(dt);
        }
        Account(a, groups, ack);
        return next;
    }

    private void Account(RolloutAssignment a, CompletedGroup[] groups, CompletionAck ack)
    {
        if (ack.Outcome == CompletionOutcome.Accepted)
        {
            Interlocked.Increment(ref _completed);
            Interlocked.Add(ref _tokens, (long)groups.Length * a.GroupSize * options.CompletionTokens);
        }
        else if (!ack.Settled) CompletionsNotAccepted++;
    }

    private CompletedGroup FakeGroup(RolloutAssignment a, int promptIndex)
    {
        var completions = new Completion[a.GroupSize];
        for (var i = 0; i < completions.Length; i++)
        {
            var tokens = new int[options.CompletionTokens];
            var logProbs = new float[options.CompletionTokens];
            for (var t = 0; t < tokens.Length; t++) { tokens[t] = _rng.Next(128); logProbs[t] = -(float)_rng.NextDouble() * 4; }
            var correct = _rng.NextDouble() < 0.5 ? 1f : 0f;
            completions[i] = new Completion(tokens, logProbs, "stop", new RewardComponents(correct, 1f, correct + 0.5f), "<think>sim</think><answer>0</answer>");
        }
        return new CompletedGroup(promptIndex, completions, PolicyVersion, workerId);
    }

    private async Task HeartbeatLoop(WorkerCapabilities caps, CancellationToken ct)
    {
        var interval = options.HeartbeatInterval ?? TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(interval, ct);
            var reply = await OrchestratorRetry.Call(() => _registry.Heartbeat(workerId, PolicyVersion, new WorkerStats(Completed, Interlocked.Read(ref _tokens), null)), ct);
            if (reply.Directive == WorkerDirective.Drain) _draining = true;
            else if (reply.Directive == WorkerDirective.Register) await OrchestratorRetry.Call(() => _registry.Register(workerId, caps), ct);
        }
    }
}
