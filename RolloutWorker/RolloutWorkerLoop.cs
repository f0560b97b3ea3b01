using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Policy;
using Vrm.Rewards;
using Vrm.Rewards.Service;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker;

/// <summary>
/// One rollout worker's work loop: register → (swap staged weights → lease → pull newer weights if needed →
/// sample G per prompt → score via the RewardService → complete)*, with heartbeats beside it. All torch work
/// (sampling, weight swaps) runs on one dedicated thread: dispose scopes are per-thread (FINDINGS.md).
/// Cancelling <see cref="RunAsync"/>'s token (SIGTERM) or a Drain directive drains: the current assignment is
/// finished and completed, nothing more is leased, the loop exits.
/// </summary>
public sealed class RolloutWorkerLoop
{
    private readonly IGrainFactory _grains;
    private readonly PolicyHolder _holder;
    private readonly ExampleSet _data;
    private readonly VrmTokenizer _tokenizer;
    private readonly RewardClient _rewards;
    private readonly WeightPuller? _puller;
    private readonly RolloutWorkerOptions _options;
    private readonly ILogger _log;
    private volatile bool _drainRequested;
    private volatile string? _currentAssignment;
    private long _completed, _tokens;

    public RolloutWorkerLoop(IGrainFactory grains, PolicyHolder holder, ExampleSet data, VrmTokenizer tokenizer, RewardClient rewards,
        WeightPuller? puller, RolloutWorkerOptions options, ILogger? log = null)
    {
        _grains = grains;
        _holder = holder;
        _data = data;
        _tokenizer = tokenizer;
        _rewards = rewards;
        _puller = puller;
        _options = options.Validate();
        _log = log ?? NullLogger.Instance;
        if (holder.Model is null) throw new ArgumentException("a rollout worker needs a model to sample with", nameof(holder));
        if (!string.Equals(holder.RunId, options.RunId, StringComparison.Ordinal))
            throw new ArgumentException($"policy holder serves run '{holder.RunId}', the worker is configured for '{options.RunId}'");
    }

    public long AssignmentsCompleted => Interlocked.Read(ref _completed);
    public long GeneratedTokens => Interlocked.Read(ref _tokens);
    /// <summary>The assignment being sampled right now, if any.</summary>
    public string? CurrentAssignmentId => _currentAssignment;
    /// <summary>Set by a Drain directive or by cancellation.</summary>
    public bool Draining => _drainRequested;

    private IWorkerRegistryGrain Registry => _grains.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey);
    private IRolloutSchedulerGrain Scheduler => _grains.GetGrain<IRolloutSchedulerGrain>(_options.RunId);

    /// <summary>Runs until drained. <paramref name="stop"/> = SIGTERM: drain.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var capabilities = new WorkerCapabilities(_options.Device, _options.WeightSyncEndpoint, _options.MaxBatch);
        await OrchestratorRetry.Call(() => Registry.Register(_options.WorkerId, capabilities), stop);
        _log.LogInformation("worker {Worker} registered for run {Run} at v{Version}", _options.WorkerId, _options.RunId, _holder.Version);

        using var loopDone = new CancellationTokenSource();
        var heartbeat = Task.Run(() => HeartbeatAsync(capabilities, stop, loopDone.Token));
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { Loop(stop); done.SetResult(); }
            catch (Exception e) { done.SetException(e); }
        }) { IsBackground = true, Name = $"torch:{_options.WorkerId}" };
        thread.Start();
        try { await done.Task; }
        finally
        {
            await loopDone.CancelAsync();
            try { await heartbeat; } catch (OperationCanceledException) { }
        }
        _log.LogInformation("worker {Worker} drained after {Count} assignments", _options.WorkerId, AssignmentsCompleted);
    }

    private async Task HeartbeatAsync(WorkerCapabilities capabilities, CancellationToken stop, CancellationToken loopDone)
    {
        var period = _options.HeartbeatPeriod;
        while (!loopDone.IsCancellationRequested)
        {
            try { await Task.Delay(period, loopDone); } catch (OperationCanceledException) { return; }
            try
            {
                var stats = new WorkerStats(AssignmentsCompleted, GeneratedTokens, _currentAssignment);
                var reply = await Registry.Heartbeat(_options.WorkerId, _holder.Version, stats);
                if (reply.NextHeartbeatIn > TimeSpan.Zero) period = reply.NextHeartbeatIn;
                if (reply.Directive == WorkerDirective.Drain && !_drainRequested)
                {
                    _log.LogInformation("worker {Worker}: the registry asks it to drain", _options.WorkerId);
                    _drainRequested = true;
                }
                else if (reply.Directive == WorkerDirective.Register)
                    await Registry.Register(_options.WorkerId, capabilities);
            }
            catch (Exception e) when (OrchestratorRetry.IsTransient(e) || e is OrleansException)
            {
                _log.LogWarning("worker {Worker}: heartbeat failed: {Error}", _options.WorkerId, e.Message);
            }
        }
    }

    // --- the torch thread ---
    private void Loop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !_drainRequested)
        {
            _holder.SwapStaged(); // between batches only
            LeaseResult lease;
            try { lease = Block(OrchestratorRetry.Call(() => Scheduler.Lease(_options.WorkerId, _holder.Version), stop)); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }

            switch (lease.Outcome)
            {
                case LeaseOutcome.NoWork:
                    Wait(Min(lease.RetryAfter, _options.MaxIdleWait), stop);
                    break;
                case LeaseOutcome.VersionTooOld:
                    CatchUp(lease.NeededVersion ?? _holder.Version + 1, Min(lease.RetryAfter, _options.MaxIdleWait), stop);
                    break;
                case LeaseOutcome.Assigned:
                    Work(lease.Assignment!);
                    break;
            }
        }
        if (stop.IsCancellationRequested) _drainRequested = true;
    }

    /// <summary>A newer version is needed: pull it from the learner if we can, else wait for a push.</summary>
    private void CatchUp(long needed, TimeSpan wait, CancellationToken stop)
    {
        if (_puller is not null)
        {
            try
            {
                var pulled = Block(_puller.PullAsync(_holder, stop));
                if (pulled is { } v) { _log.LogInformation("worker {Worker}: pulled v{Version}", _options.WorkerId, v); if (v >= needed) return; }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or WeightTransferException)
            {
                _log.LogWarning("worker {Worker}: pull of v{Needed} failed: {Error}", _options.WorkerId, needed, e.Message);
            }
        }
        try { Block(_holder.WaitForAsync(needed, stop).WaitAsync(wait, stop)); }
        catch (TimeoutException) { }
        catch (OperationCanceledException) { }
    }

    private void Work(RolloutAssignment a)
    {
        _currentAssignment = a.AssignmentId;
        var clock = Stopwatch.StartNew();
        using var working = new CancellationTokenSource();
        var renewal = RenewWhileWorking(a, working.Token);
        try
        {
            long version = _holder.Version;
            var groups = SampleAndScore(a, version);
            // Finish even when stopping (drain): the lease deadline bounds how long completing may take.
            using var finish = new CancellationTokenSource(Max(a.LeaseDeadline - DateTimeOffset.UtcNow, _options.DrainGrace));
            var ack = Block(OrchestratorRetry.Call(() => Scheduler.Complete(a.AssignmentId, _options.WorkerId, groups), finish.Token));
            if (ack.Settled) Interlocked.Increment(ref _completed);
            WorkerMetrics.AssignmentFinished(_options.WorkerId, ack.Settled ? "completed" : "rejected", clock.Elapsed.TotalSeconds);
            _log.Log(ack.Settled ? LogLevel.Debug : LogLevel.Warning, "worker {Worker}: assignment {Id} ({Prompts}×{G}) with v{Version} in {Seconds:F2} s: {Outcome} {Error}",
                _options.WorkerId, a.AssignmentId, a.PromptIndices.Length, a.GroupSize, version, clock.Elapsed.TotalSeconds, ack.Outcome, ack.Error);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lease expires and the scheduler hands the assignment to someone else; this worker goes on.
            WorkerMetrics.AssignmentFinished(_options.WorkerId, "failed", clock.Elapsed.TotalSeconds);
            _log.LogError(e, "worker {Worker}: assignment {Id} failed", _options.WorkerId, a.AssignmentId);
        }
        finally
        {
            _currentAssignment = null;
            working.Cancel();
            try { Block(renewal); }
            catch (Exception e) { _log.LogWarning("worker {Worker}: lease renewal of {Id} ended with {Error}", _options.WorkerId, a.AssignmentId, e.Message); }
        }
    }

    /// <summary>
    /// Off the torch thread: renews the lease a few times per lease duration while this worker samples, so a slow
    /// (loaded, long completions) but live worker is never raced by a re-lease and never makes its assignment look
    /// poisonous. A dead worker stops renewing and its lease expires as before. Bounded by <see cref="MaxRenewedLeases"/>
    /// lease durations so a hung sampler cannot hold an assignment forever.
    /// </summary>
    private async Task RenewWhileWorking(RolloutAssignment a, CancellationToken working)
    {
        var lease = a.LeaseDeadline - DateTimeOffset.UtcNow;
        if (lease <= TimeSpan.Zero) return;
        var period = TimeSpan.FromTicks(Math.Clamp(lease.Ticks / 3, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(10).Ticks));
        var until = DateTimeOffset.UtcNow + lease * MaxRenewedLeases;
        while (DateTimeOffset.UtcNow < until)
        {
            try { await Task.Delay(period, working); } catch (OperationCanceledException) { return; }
            try
            {
                if (await Scheduler.RenewLease(a.AssignmentId, _options.WorkerId) is null)
                {
                    _log.LogWarning("worker {Worker}: lost the lease of {Id} (expired and re-leased, or settled); finishing anyway", _options.WorkerId, a.AssignmentId);
                    return;
                }
            }
            catch (Exception e) when (OrchestratorRetry.IsTransient(e) || e is OrleansException)
            {
                _log.LogWarning("worker {Worker}: lease renewal of {Id} failed: {Error}", _options.WorkerId, a.AssignmentId, e.Message);
            }
        }
    }

    /// <summary>Most lease durations one assignment may be held by renewals.</summary>
    public const int MaxRenewedLeases = 20;

    private CompletedGroup[] SampleAndScore(RolloutAssignment a, long version)
    {
        foreach (int row in a.PromptIndices)
            if (row < 0 || row >= _data.Count)
                throw new InvalidOperationException($"assignment {a.AssignmentId}: prompt index {row} outside the run's {_data.Count} examples");
        int promptsPerBatch = Math.Max(1, _options.MaxBatch / a.GroupSize);
        var groups = new List<CompletedGroup>(a.PromptIndices.Length);
        for (int start = 0, batchNo = 0; start < a.PromptIndices.Length; start += promptsPerBatch, batchNo++)
        {
            var rows = a.PromptIndices.Skip(start).Take(promptsPerBatch).ToArray();
            SampleBatch batch;
            using (var scope = torch.NewDisposeScope())
            using (ModelComputeClock.Measure("sample"))
            {
                var images = _data.ImagesOf(rows); // [n, 3, S, S]
                batch = Sampler.Generate(_holder.Model!, images, rows.Select(r => _data.PromptIds[r]).ToList(), a.GroupSize, SamplingFor(a, batchNo));
            }
            Interlocked.Add(ref _tokens, batch.GeneratedTokens);
            WorkerMetrics.Sampled(_options.WorkerId, batch.GeneratedTokens, batch.Rows.Count);

            var texts = batch.Rows.Select(r => _tokenizer.Decode(r.Tokens)).ToArray();
            var items = new RewardItem[batch.Rows.Count];
            for (int i = 0; i < items.Length; i++)
            {
                var ex = _data.Examples[rows[i / a.GroupSize]];
                items[i] = new RewardItem(texts[i], ex.Solution, ex.Task, ex.Reasoning);
            }
            // The run's weights when its learner sent them; the reward service's defaults otherwise.
            var weights = a.Weights?.ToRewardWeights();
            var scores = Block(_rewards.ScoreAsync(items, weights, timeout: TimeSpan.FromSeconds(60)));
            for (int p = 0; p < rows.Length; p++)
            {
                var completions = new Completion[a.GroupSize];
                for (int j = 0; j < a.GroupSize; j++)
                {
                    int i = p * a.GroupSize + j;
                    var r = batch.Rows[i];
                    var s = scores[i];
                    completions[j] = new Completion(r.Tokens, r.LogProbs, r.Finish.ToString(),
                        new RewardComponents(s.Correctness, s.Format, s.Total, s.Consistency, s.Grounding), texts[i]);
                }
                groups.Add(new CompletedGroup(rows[p], completions, version, _options.WorkerId));
            }
        }
        return groups.ToArray();
    }

    private Policy.SamplingParams SamplingFor(RolloutAssignment a, int batchNo) => new()
    {
        Temperature = a.Sampling.Temperature,
        TopP = a.Sampling.TopP,
        MaxNewTokens = a.Sampling.MaxNewTokens,
        StopTokenIds = [_tokenizer.AnswerClose],
        EosTokenId = _tokenizer.Eos,
        PadTokenId = _tokenizer.Pad,
        BosTokenId = _tokenizer.Bos,
        // A pure function of the assignment's seed and the batch: a re-leased assignment draws the same numbers.
        Seed = unchecked((ulong)a.Sampling.Seed * 0x9E3779B97F4A7C15UL + (ulong)batchNo),
    };

    private static void Wait(TimeSpan wait, CancellationToken stop) => stop.WaitHandle.WaitOne(wait);
    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;
    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    private static T Block<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
    private static T Block<T>(Task<T> task) => task.GetAwaiter().GetResult();
    private static void Block(Task task) => task.GetAwaiter().GetResult();
}
