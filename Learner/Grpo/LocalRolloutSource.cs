using Vrm.Learner.Training;
using Vrm.Policy;
using Vrm.Rewards;
using static TorchSharp.torch;

namespace Vrm.Learner.Grpo;

/// <summary>
/// Single-process rollouts (<c>vrm grpo</c>): sample with the learner's own policy, score with the reward
/// functions in-process. The policy it samples with is always the current one (staleness 0).
/// </summary>
public sealed class LocalRolloutSource(VrmModel policy, ExampleSet data, VrmTokenizer tokenizer, CompositeReward reward) : IRolloutSource
{
    public void Submit(RolloutRequest request) { }

    public IReadOnlyList<RolloutGroup> Await(RolloutRequest request)
    {
        SampleBatch batch;
        using (var scope = NewDisposeScope())
        using (ModelComputeClock.Measure("sample"))
        {
            var images = data.ImagesOf(request.PromptRows);                                   // [N, 3, S, S]
            var prompts = request.PromptRows.Select(r => data.PromptIds[r]).ToList();
            batch = Sampler.Generate(policy, images, prompts, request.GroupSize, request.Sampling);
        }
        // Local sampling always uses the current policy: the version is the one the request names.
        return ScoreGroups(request, batch, data, tokenizer, reward, request.PolicyVersion);
    }

    public void PolicyUpdated(long version, VrmModel updated) { }

    /// <summary>Decodes and scores a sampled batch into groups with the in-process reward. The rollout worker does the same
    /// through the reward service (RolloutWorkerLoop.SampleAndScore); the reward weights tests use this path.</summary>
    public static IReadOnlyList<RolloutGroup> ScoreGroups(RolloutRequest request, SampleBatch batch, ExampleSet data,
        VrmTokenizer tokenizer, CompositeReward reward, long version)
    {
        int g = request.GroupSize;
        var groups = new RolloutGroup[request.PromptRows.Count];
        for (int p = 0; p < groups.Length; p++)
        {
            var ex = data.Examples[request.PromptRows[p]];
            var completions = new ScoredCompletion[g];
            for (int j = 0; j < g; j++)
            {
                var row = batch.Rows[p * g + j];
                string text = tokenizer.Decode(row.Tokens);
                var s = reward.Score(text, ex.Solution, ex.Task, request.Weights ?? reward.Weights, ex.Reasoning);
                completions[j] = new ScoredCompletion(row.Tokens, row.LogProbs, row.Finish, text, s.Correctness, s.Format, s.Total, version, s.Consistency, s.Grounding);
            }
            groups[p] = new RolloutGroup(request.PromptRows[p], completions);
        }
        return groups;
    }
}
