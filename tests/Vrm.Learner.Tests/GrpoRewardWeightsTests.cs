using Vrm.Learner.Grpo;
using Vrm.Learner.Tests.Fixtures;
using Vrm.Policy;
using Vrm.Rewards;

namespace Vrm.Learner.Tests;

/// <summary>
/// Every rollout request carries the run's reward weights, so rollout workers (which score through the reward service)
/// use the weights the run asked for, not the service's defaults.
/// </summary>
public class GrpoRewardWeightsTests(TinyRun tiny) : IClassFixture<TinyRun>
{
    private sealed class Recording(IRolloutSource inner, List<RolloutRequest> seen) : IRolloutSource
    {
        public void Submit(RolloutRequest request) { seen.Add(request); inner.Submit(request); }
        public IReadOnlyList<RolloutGroup> Await(RolloutRequest request) { seen.Add(request); return inner.Await(request); }
        public void PolicyUpdated(long version, VrmModel policy) => inner.PolicyUpdated(version, policy);
    }

    [Fact]
    public void Rollout_requests_carry_the_runs_accuracy_format_and_consistency_weights()
    {
        var seen = new List<RolloutRequest>();
        var options = new GrpoRunOptions
        {
            InitCheckpoint = tiny.Init, DataPath = tiny.Data, RunDir = tiny.NewRunDir(), Steps = 2, Seed = 3, EvaluateBeforeAndAfter = false, EvalLimit = 4,
            Grpo = new GrpoOptions { PromptsPerStep = 2, GroupSize = 2, MaxNewTokens = 6, KlBeta = 0, FormatWeight = 0.25, ConsistencyWeight = 0.75, DynamicSampling = true },
        };
        using (var run = new GrpoRun(options, _ => { }, (policy, train, tokenizer) =>
                   new Recording(new LocalRolloutSource(policy, train, tokenizer, CompositeReward.Default), seen)))
            Assert.True(run.Execute().Finished);

        Assert.NotEmpty(seen);
        Assert.All(seen, r => Assert.Equal(new RewardWeights(1.0, 0.25, 0.75), r.Weights));
    }
}
