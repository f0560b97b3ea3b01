using System.Diagnostics;
using Vrm.Learner.Distributed;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Policy;
using SamplingParams = Vrm.Orchestrator.Contracts.Rollouts.SamplingParams;

namespace Vrm.RolloutWorker.Tests;

[Collection(WorkerClusterCollection.Name)]
public sealed class RolloutWorkerLoopTests(WorkerClusterFixture cluster)
{
    private static async Task<TakeStepResult> WaitForStep(IRolloutSchedulerGrain scheduler, long step, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var taken = await scheduler.TakeCompletedStep(step);
            if (taken.Outcome == TakeStepOutcome.Ready) return taken;
            if (clock.Elapsed > timeout) throw new TimeoutException($"step {step} not ready after {timeout}: {taken.Outcome} {taken.CompletedAssignments}/{taken.TotalAssignments}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Worker_leases_samples_scores_and_completes_then_swaps_in_a_pushed_version_between_batches()
    {
        const string run = "run-e2e";
        await using var worker = await cluster.StartWorkerAsync("e2e-w1", run);
        var scheduler = cluster.Client.GetGrain<IRolloutSchedulerGrain>(run);

        // --- step 0 with the initial policy (v0), as the learner would enqueue it ---
        Assert.Equal(EnqueueOutcome.Enqueued, (await scheduler.EnqueueStep(new StepRequest(0, [0, 1, 2], 4, 0, new SamplingParams(1f, 1f, 8, 42)))).Outcome);
        var step0 = await WaitForStep(scheduler, 0, TimeSpan.FromSeconds(60));
        Assert.Equal([0, 1, 2], step0.Groups.Select(g => g.PromptIndex).Order());
        foreach (var g in step0.Groups)
        {
            Assert.Equal(4, g.Completions.Length);
            Assert.Equal(0, g.PolicyVersion);
            Assert.Equal("e2e-w1", g.WorkerId);
            foreach (var c in g.Completions)
            {
                Assert.NotEmpty(c.TokenIds);
                Assert.Equal(c.TokenIds.Length, c.BehaviourLogProbs.Length);
                Assert.All(c.BehaviourLogProbs, lp => Assert.True(lp <= 0 && float.IsFinite(lp)));
                Assert.Equal(cluster.Tokenizer.Decode(c.TokenIds), c.Text);
                Assert.True(Enum.TryParse<FinishReason>(c.FinishReason, out _), c.FinishReason);
                Assert.Equal(0.0, c.Reward.Correctness); // an untrained tiny model does not answer
                Assert.True(double.IsFinite(c.Reward.Total));
            }
        }
        await scheduler.AcknowledgeStep(0);

        // --- the learner pushes v1 to every registered worker (endpoint taken from the registry) ---
        using var b = TinyPolicy.Create(seed: 2);
        using var publisher = new WeightPublisher(cluster.Client, new WeightPublisherOptions { MaxAttempts = 2 });
        var push = await publisher.PushAsync(WeightSnapshot.Capture(b, 1), run, CancellationToken.None);
        var mine = Assert.Single(push.Workers, w => w.WorkerId == "e2e-w1");
        Assert.True(mine.Succeeded, mine.Error);

        Assert.Equal(EnqueueOutcome.Enqueued, (await scheduler.EnqueueStep(new StepRequest(1, [3, 4], 2, 1, new SamplingParams(1f, 1f, 8, 43)))).Outcome);
        var step1 = await WaitForStep(scheduler, 1, TimeSpan.FromSeconds(60));
        Assert.All(step1.Groups, g => Assert.Equal(1, g.PolicyVersion));
        Assert.Equal(1, worker.Holder.Version);
        Assert.Equal(1, worker.Holder.SwapCount);
    }

    [Fact]
    public async Task Cancellation_mid_assignment_drains_the_worker_finishes_its_assignment_and_leases_no_more()
    {
        const string run = "run-drain";
        var scheduler = cluster.Client.GetGrain<IRolloutSchedulerGrain>(run);
        // One assignment of 4 prompts × 4 completions × 24 tokens (the tiny model holds 64 positions): long enough to cancel in the middle of it.
        Assert.Equal(EnqueueOutcome.Enqueued, (await scheduler.EnqueueStep(new StepRequest(0, [0, 1, 2, 3], 4, 0, new SamplingParams(1f, 1f, 24, 1), PromptsPerAssignment: 4))).Outcome);
        var worker = await cluster.StartWorkerAsync("drain-w1", run);
        try
        {
            var clock = Stopwatch.StartNew();
            while (worker.Loop.CurrentAssignmentId is null)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the worker never leased the assignment");
                await Task.Delay(5);
            }
            await worker.DrainAsync(); // SIGTERM
            Assert.True(worker.Loop.Draining);
            Assert.Equal(1, worker.Loop.AssignmentsCompleted);
            var step0 = await scheduler.TakeCompletedStep(0);
            Assert.Equal(TakeStepOutcome.Ready, step0.Outcome); // finished, not abandoned to lease expiry

            // Drained: a new step stays untouched.
            await scheduler.EnqueueStep(new StepRequest(1, [5], 2, 0, new SamplingParams(1f, 1f, 4, 2)));
            await Task.Delay(800);
            Assert.Equal(TakeStepOutcome.NotReady, (await scheduler.TakeCompletedStep(1)).Outcome);
        }
        finally { await worker.DisposeAsync(); }
    }

    [Fact]
    public async Task Worker_without_weights_pulls_the_learners_current_version_when_the_scheduler_says_it_is_too_old()
    {
        const string run = "run-late";
        using var b = TinyPolicy.Create(seed: 2);
        var source = new WeightSourceServer();
        source.SetCurrent(WeightSnapshot.Capture(b, 2), run);
        await using var learner = await WeightSourceHost.StartAsync(0, source, loopbackOnly: true);
        var scheduler = cluster.Client.GetGrain<IRolloutSchedulerGrain>(run);
        await scheduler.EnqueueStep(new StepRequest(0, [6, 7], 2, 2, new SamplingParams(1f, 1f, 6, 5)));

        // Joins late with no usable weights (version -1): the lease says VersionTooOld, the worker pulls v2 and samples with it.
        await using var worker = await cluster.StartWorkerAsync("late-w1", run, version: PolicyHolder.NoVersion, learner: WeightSourceHost.LoopbackAddress(learner));
        var step = await WaitForStep(scheduler, 0, TimeSpan.FromSeconds(60));
        Assert.All(step.Groups, g => Assert.Equal(2, g.PolicyVersion));
        Assert.Equal(2, worker.Holder.Version);
        Assert.Equal(1, source.PullCount);
    }

    [Fact]
    public async Task Registry_drain_directive_stops_the_worker()
    {
        const string run = "run-directive";
        await using var worker = await cluster.StartWorkerAsync("directive-w1", run);
        var registry = cluster.Client.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey);
        var clock = Stopwatch.StartNew();
        while (!(await registry.List()).Any(w => w.WorkerId == "directive-w1"))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the worker never registered");
            await Task.Delay(50);
        }
        Assert.True(await registry.Drain("directive-w1"));
        await worker.Completion.WaitAsync(TimeSpan.FromSeconds(20)); // exits on its own at the next heartbeat
        Assert.True(worker.Loop.Draining);
    }
}
