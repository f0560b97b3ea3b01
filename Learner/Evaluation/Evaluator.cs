using TorchSharp;
using Vrm.Learner.Reporting;
using Vrm.Learner.Training;
using Vrm.Policy;
using Vrm.Rewards;
using static TorchSharp.torch;

namespace Vrm.Learner.Evaluation;

/// <summary>One example's greedy answer, kept for inspection.</summary>
public sealed record EvalSample(string Id, string Task, string Split, string Completion, double Correctness, double Format, int Tokens);

/// <summary>
/// Greedy decoding on held-out examples, scored with the same rule-based rewards GRPO trains on:
/// accuracy (correctness = 1), format rate (format = 1) and mean completion length, per split and task,
/// plus an "all" row per split.
/// </summary>
public static class Evaluator
{
    public const string AllTasks = "all";

    public static (IReadOnlyList<EvalRow> Rows, IReadOnlyList<EvalSample> Samples) Run(
        VrmModel model, ExampleSet set, VrmTokenizer tokenizer, int maxNewTokens, int batchSize = 64, CompositeReward? reward = null)
    {
        reward ??= CompositeReward.Default;
        bool wasTraining = model.training;
        model.eval();
        var sampling = new SamplingParams
        {
            Temperature = 0f, MaxNewTokens = maxNewTokens, StopTokenIds = [tokenizer.AnswerClose],
            EosTokenId = tokenizer.Eos, PadTokenId = tokenizer.Pad, BosTokenId = tokenizer.Bos,
        };
        var samples = new List<EvalSample>(set.Count);
        for (int start = 0; start < set.Count; start += batchSize)
        {
            var rows = Enumerable.Range(start, Math.Min(batchSize, set.Count - start)).ToList();
            SampleBatch batch;
            using (var scope = NewDisposeScope())
            using (ModelComputeClock.Measure("eval"))
            {
                var images = set.ImagesOf(rows);
                batch = Sampler.Generate(model, images, rows.Select(r => set.PromptIds[r]).ToList(), 1, sampling);
            }
            for (int i = 0; i < rows.Count; i++)
            {
                var ex = set.Examples[rows[i]];
                var completion = batch.Rows[i];
                string text = tokenizer.Decode(completion.Tokens);
                var score = reward.Score(text, ex.Solution, ex.Task);
                samples.Add(new EvalSample(ex.Id, ex.Task, ex.Split, text, score.Correctness, score.Format, completion.Tokens.Length));
            }
        }
        if (wasTraining) model.train();
        return (Summarise(samples), samples);
    }

    public static IReadOnlyList<EvalRow> Summarise(IReadOnlyList<EvalSample> samples)
    {
        var rows = new List<EvalRow>();
        foreach (var split in samples.GroupBy(s => s.Split).OrderBy(g => SplitOrder(g.Key)))
        {
            foreach (var task in split.GroupBy(s => s.Task).OrderBy(g => g.Key, StringComparer.Ordinal))
                rows.Add(Row(split.Key, task.Key, task.ToList()));
            if (split.Select(s => s.Task).Distinct().Count() > 1)
                rows.Add(Row(split.Key, AllTasks, split.ToList()));
        }
        return rows;
    }

    private static EvalRow Row(string split, string task, List<EvalSample> s) => new(split, task,
        s.Average(x => x.Correctness >= 1 ? 1.0 : 0.0), s.Average(x => x.Format >= 1 ? 1.0 : 0.0), s.Average(x => (double)x.Tokens), s.Count);

    private static int SplitOrder(string split) => split switch { "train" => 0, "test" => 1, "ood" => 2, _ => 3 };
}
