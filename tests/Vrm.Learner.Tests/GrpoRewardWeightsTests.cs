using Vrm.Learner.Grpo;
using Vrm.Learner.Tests.Fixtures;
using Vrm.Learner.Stages;
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
    public void Rollout_requests_carry_the_runs_accuracy_format_consistency_and_grounding_weights()
    {
        var seen = new List<RolloutRequest>();
        var options = new GrpoRunOptions
        {
            InitCheckpoint = tiny.Init, DataPath = tiny.Data, RunDir = tiny.NewRunDir(), Steps = 2, Seed = 3, EvaluateBeforeAndAfter = false, EvalLimit = 4,
            Grpo = new GrpoOptions { PromptsPerStep = 2, GroupSize = 2, MaxNewTokens = 6, KlBeta = 0, FormatWeight = 0.25, ConsistencyWeight = 0.75, GroundingWeight = 0.5, DynamicSampling = true },
        };
        using (var run = new GrpoRun(options, _ => { }, (policy, train, tokenizer) =>
                   new Recording(new LocalRolloutSource(policy, train, tokenizer, CompositeReward.Default), seen)))
            Assert.True(run.Execute().Finished);

        Assert.NotEmpty(seen);
        Assert.All(seen, r => Assert.Equal(new RewardWeights(1.0, 0.25, 0.75, 0.5), r.Weights));
    }

    [Fact]
    public void Local_scoring_checks_each_listing_against_its_examples_annotated_trace()
    {
        var tokenizer = VrmTokenizer.Default;
        using var model = PolicyFactory.Create(tokenizer, 3);
        using var train = ExampleSet.Load(tiny.Data, "train", ["count"], model.Config.Vision, tokenizer, PromptTemplate.Default);
        // Two prompts, so a mix-up between a prompt's row and another example's trace would show.
        string[] gold = [train.Examples[0].Reasoning!, train.Examples[1].Reasoning!];
        Assert.NotEqual(Listing(gold[0]), Listing(gold[1]));
        SampledCompletion Row(int prompt, string text)
        {
            var ids = tokenizer.Encode(text);
            Assert.Equal(text, tokenizer.Decode(ids));
            return new SampledCompletion(prompt, ids, new float[ids.Length], FinishReason.Stop);
        }
        var batch = new SampleBatch([Row(0, gold[0]), Row(0, gold[1]), Row(1, gold[1]), Row(1, gold[0])], GroupSize: 2, DecodeSteps: 1);
        var request = new RolloutRequest(0, 0, [0, 1], 2, 0, new SamplingParams(), new RewardWeights(1.0, 0.5, 0.0, 1.0));

        var groups = LocalRolloutSource.ScoreGroups(request, batch, train, tokenizer, CompositeReward.Default, 0);

        var expected = new CompositeReward(request.Weights);
        for (int p = 0; p < 2; p++)
            for (int j = 0; j < 2; j++)
            {
                var c = groups[p].Completions[j];
                var want = expected.Score(new RewardItem(c.Text, train.Examples[p].Solution, "count", gold[p]));
                Assert.Equal((want.Grounding, want.Total), (c.Grounding, c.Reward));
            }
        Assert.Equal(1.0, groups[0].Completions[0].Grounding);
        Assert.Equal(1.0, groups[1].Completions[0].Grounding);
        Assert.True(groups[0].Completions[1].Grounding < 1.0);
    }

    private static string Listing(string trace) => trace[..trace.LastIndexOf(';')];
}
