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
        var sampling = Sampling(tokenizer, maxNewTokens, temperature: 0f, seed: 0);
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

    /// <summary>Held-out decoding settings: stop at &lt;/answer&gt;; temperature 0 is greedy (the seed is then unused).</summary>
    public static SamplingParams Sampling(VrmTokenizer tokenizer, int maxNewTokens, float temperature, ulong seed) => new()
    {
        Temperature = temperature, MaxNewTokens = maxNewTokens, StopTokenIds = [tokenizer.AnswerClose],
        EosTokenId = tokenizer.Eos, PadTokenId = tokenizer.Pad, BosTokenId = tokenizer.Bos, Seed = seed,
    };

    public static IReadOnlyList<EvalRow> Summarise(IReadOnlyList<EvalSample> samples) =>
        Groups(samples, s => s.Split, s => s.Task).Select(g => Row(g.Split, g.Task, g.Members)).ToList();

    /// <summary>
    /// The rows every evaluation reports: per split (train, test, ood order) one group per task in name order, plus an
    /// "all" group when the split has more than one task.
    /// </summary>
    public static IEnumerable<(string Split, string Task, List<T> Members)> Groups<T>(IReadOnlyList<T> items, Func<T, string> split, Func<T, string> task)
    {
        foreach (var s in items.GroupBy(split).OrderBy(g => SplitOrder(g.Key)))
        {
            var byTask = s.GroupBy(task).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            foreach (var t in byTask) yield return (s.Key, t.Key, t.ToList());
            if (byTask.Count > 1) yield return (s.Key, AllTasks, s.ToList());
        }
    }

    private static EvalRow Row(string split, string task, List<EvalSample> s) => new(split, task,
        s.Average(x => x.Correctness >= 1 ? 1.0 : 0.0), s.Average(x => x.Format >= 1 ? 1.0 : 0.0), s.Average(x => (double)x.Tokens), s.Count);

    private static int SplitOrder(string split) => split switch { "train" => 0, "test" => 1, "ood" => 2, _ => 3 };
}
