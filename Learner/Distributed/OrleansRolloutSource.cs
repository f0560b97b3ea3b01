using Orleans;
using Vrm.Learner.Grpo;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Policy;
using static Vrm.Learner.Distributed.BlockingGrainCall;
using ContractSampling = Vrm.Orchestrator.Contracts.Rollouts.SamplingParams;

namespace Vrm.Learner.Distributed;

/// <summary>
/// Rollouts from the cluster: each (step, round) becomes a step of the run's rollout scheduler grain; rollout
/// workers lease its assignments, sample, get them scored and complete them; the learner takes the step
/// when every group is in. Steps are acknowledged only once a checkpoint covers their update, so a learner
/// restarted from an older checkpoint re-takes the same groups (the scheduler redelivers) and every group
/// is trained on exactly once in the run's history.
/// </summary>
public sealed class OrleansRolloutSource : IRolloutSource
{
    /// <summary>Scheduler step id = step × RoundsPerStep + round (dynamic sampling adds rounds).</summary>
    public const int RoundsPerStep = 8;

    private readonly IRolloutSchedulerGrain _scheduler;
    private readonly int _promptsPerAssignment;
    private readonly TimeSpan _poll;
    private readonly Action<long, VrmModel> _onPolicyUpdated;
    private readonly CancellationToken _ct;
    private readonly HashSet<long> _enqueued = [];
    private readonly SortedSet<long> _handedOff = [];
    private readonly ConsumedRolloutsLog? _consumed;

    /// <summary>Groups received (prompt index and step), for exactly-once checks and the step metrics.</summary>
    public long GroupsReceived { get; private set; }
    public int Redeliveries { get; private set; }

    public OrleansRolloutSource(IGrainFactory grains, string runId, Action<long, VrmModel> onPolicyUpdated,
        int promptsPerAssignment = 1, TimeSpan? poll = null, CancellationToken ct = default, string? consumedLogPath = null)
    {
        _consumed = consumedLogPath is null ? null : new ConsumedRolloutsLog(consumedLogPath);
        _scheduler = grains.GetGrain<IRolloutSchedulerGrain>(runId);
        _onPolicyUpdated = onPolicyUpdated;
        _promptsPerAssignment = promptsPerAssignment;
        _poll = poll ?? TimeSpan.FromMilliseconds(20);
        _ct = ct;
    }

    public static long SchedulerStep(RolloutRequest r) => (long)r.Step * RoundsPerStep + r.Round;

    public void Submit(RolloutRequest request) => TryEnqueue(request);

    private bool TryEnqueue(RolloutRequest request)
    {
        long id = SchedulerStep(request);
        if (_enqueued.Contains(id)) return true;
        var s = request.Sampling;
        var step = new StepRequest(id, request.PromptRows.ToArray(), request.GroupSize, request.PolicyVersion,
            new ContractSampling(s.Temperature, s.TopP, s.MaxNewTokens, unchecked((long)s.Seed)), _promptsPerAssignment,
            request.Weights is { } w ? ScoringWeights.Of(w) : null);
        var result = Call(() => _scheduler.EnqueueStep(step), _ct);
        switch (result.Outcome)
        {
            case EnqueueOutcome.Enqueued:
            case EnqueueOutcome.AlreadyEnqueued: // a restarted learner re-submits: the scheduler keeps the first
                _enqueued.Add(id);
                return true;
            case EnqueueOutcome.Backpressure:
            case EnqueueOutcome.Paused: // an operator paused the run between the learner's control check and this step: wait for resume
                return false;
            case EnqueueOutcome.AlreadyAcknowledged:
                throw new InvalidOperationException($"scheduler step {id} (step {request.Step}, round {request.Round}) was already acknowledged: the learner is behind the run's checkpoints");
            default:
                throw new InvalidOperationException($"scheduler refused step {id}: {result.Outcome}");
        }
    }

    public IReadOnlyList<RolloutGroup> Await(RolloutRequest request)
    {
        long id = SchedulerStep(request);
        while (!TryEnqueue(request))
        {
            _ct.ThrowIfCancellationRequested();
            Thread.Sleep(_poll);
        }
        TakeStepResult taken;
        while (true)
        {
            _ct.ThrowIfCancellationRequested();
            taken = Call(() => _scheduler.TakeCompletedStep(id), _ct);
            if (taken.Outcome == TakeStepOutcome.Ready) break;
            if (taken.Outcome is TakeStepOutcome.UnknownStep or TakeStepOutcome.AlreadyAcknowledged)
                throw new InvalidOperationException($"scheduler step {id}: {taken.Outcome}");
            Thread.Sleep(_poll);
        }
        if (taken.Redelivery) Redeliveries++;
        _handedOff.Add(id);
        GroupsReceived += taken.Groups.Length;
        _consumed?.Append(new ConsumedRollouts
        {
            Step = request.Step + 1, Round = request.Round, SchedulerStep = id, Redelivery = taken.Redelivery, Groups = taken.Groups.Length,
            PromptIndices = taken.Groups.Select(g => g.PromptIndex).ToArray(), Workers = taken.Groups.Select(g => g.WorkerId).ToArray(),
            PolicyVersions = taken.Groups.Select(g => g.PolicyVersion).ToArray(), LearnerPid = Environment.ProcessId, At = DateTimeOffset.UtcNow,
        });
        // Keep the request's prompt order when the groups match it; a redelivered step keeps its own prompts.
        var order = request.PromptRows.Select((row, i) => (row, i)).ToDictionary(x => x.row, x => x.i);
        var groups = taken.Groups.OrderBy(g => order.TryGetValue(g.PromptIndex, out var i) ? i : int.MaxValue).ThenBy(g => g.PromptIndex);
        return groups.Select(ToRolloutGroup).ToList();
    }

    private static RolloutGroup ToRolloutGroup(CompletedGroup g) => new(g.PromptIndex,
        g.Completions.Select(c => new ScoredCompletion(c.TokenIds, c.BehaviourLogProbs,
            Enum.TryParse<FinishReason>(c.FinishReason, out var f) ? f : FinishReason.Length, c.Text,
            c.Reward.Correctness, c.Reward.Format, c.Reward.Total, g.PolicyVersion, c.Reward.Consistency, c.Reward.Grounding)).ToList(),
        g.WorkerId);

    public void PolicyUpdated(long version, VrmModel policy) => _onPolicyUpdated(version, policy);

    public void Checkpointed(int step)
    {
        // Every scheduler step whose update is now in a checkpoint can be dropped for good.
        foreach (var id in _handedOff.Where(id => id / RoundsPerStep < step).ToList())
        {
            // Not cancellable: a stop arriving mid-checkpoint must still acknowledge what the checkpoint covers.
            Call(() => _scheduler.AcknowledgeStep(id), CancellationToken.None);
            _handedOff.Remove(id);
        }
    }
}
