using Vrm.Data;
using Vrm.Policy;
using Vrm.Rewards;
using static TorchSharp.torch;

namespace Vrm.Learner.Evaluation;

/// <summary>pass@k of one split and task: the chance that at least one of k sampled answers is right.</summary>
public sealed record PassAtKRow(string Split, string Task, int Examples, int SamplesPerExample, double Temperature,
    IReadOnlyDictionary<int, double> PassAt);

/// <summary>What a pass@k evaluation samples: completions per example, at what temperature, from what seed.</summary>
public sealed record PassAtKSettings(int Samples, double Temperature, ulong Seed);

/// <summary>
/// Sampled evaluation: n completions per held-out example at a temperature, scored with the rewards GRPO trains on,
/// reported as pass@k for k = 1, 2, 4 … n (the unbiased estimator of Chen et al. 2021). Outcome-reward RL mostly turns
/// answers the policy already finds in k samples into answers it gives first (Yue et al. 2025, "Does reinforcement
/// learning really incentivize reasoning capacity…"), so the start's pass@k at the rollout temperature bounds what
/// GRPO can be expected to reach; greedy accuracy alone does not show that room.
/// </summary>
public static class PassAtK
{
    /// <summary>"Right" is the correctness rule GRPO trains on, under the composite reward's time bound; the other
    /// components (format, consistency, grounding) do not enter pass@k, so they are not scored.</summary>
    public static IReadOnlyList<PassAtKRow> Run(VrmModel model, ExampleSet set, VrmTokenizer tokenizer, int maxNewTokens,
        int samplesPerExample, double temperature, ulong seed, int batchSize = 64) =>
        Run(model, set, tokenizer, maxNewTokens, samplesPerExample, temperature, seed,
            (text, ex) => CorrectnessReward.Instance.Score(text, ex.Solution, ex.Task, ScoringDeadline.After(CompositeReward.DefaultTimeBound)).Value >= 1,
            batchSize);

    /// <summary>The same with any rule for "right" (tests use one an untrained model can meet).</summary>
    public static IReadOnlyList<PassAtKRow> Run(VrmModel model, ExampleSet set, VrmTokenizer tokenizer, int maxNewTokens,
        int samplesPerExample, double temperature, ulong seed, Func<string, DatasetExample, bool> isRight, int batchSize = 64)
    {
        if (samplesPerExample < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerExample), samplesPerExample, "pass@k needs at least 1 sample per example");
        if (!(temperature > 0) || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "pass@k samples need a finite temperature > 0 (0 is greedy: every sample would be the same)");
        bool wasTraining = model.training;
        model.eval();
        int promptsPerBatch = Math.Max(1, batchSize / samplesPerExample);
        var right = new int[set.Count];
        for (int start = 0, batchNo = 0; start < set.Count; start += promptsPerBatch, batchNo++)
        {
            var rows = Enumerable.Range(start, Math.Min(promptsPerBatch, set.Count - start)).ToList();
            // A pure function of the seed and the batch, so the same seed gives the same figures.
            var sampling = Evaluator.Sampling(tokenizer, maxNewTokens, (float)temperature, unchecked(seed * 0x9E3779B97F4A7C15UL + (ulong)batchNo));
            SampleBatch batch;
            using (var scope = NewDisposeScope())
            using (ModelComputeClock.Measure("eval"))
            {
                var images = set.ImagesOf(rows); // [b, 3, S, S]
                batch = Sampler.Generate(model, images, rows.Select(r => set.PromptIds[r]).ToList(), samplesPerExample, sampling);
            }
            // Rows come prompt-major: prompt p's samples are p*n … p*n + n − 1.
            for (int i = 0; i < batch.Rows.Count; i++)
            {
                var ex = set.Examples[rows[i / samplesPerExample]];
                if (isRight(tokenizer.Decode(batch.Rows[i].Tokens), ex)) right[rows[i / samplesPerExample]]++;
            }
        }
        if (wasTraining) model.train();

        var ks = Ks(samplesPerExample);
        return Evaluator.Groups(Enumerable.Range(0, set.Count).ToList(), i => set.Examples[i].Split, i => set.Examples[i].Task)
            .Select(g => new PassAtKRow(g.Split, g.Task, g.Members.Count, samplesPerExample, temperature,
                ks.ToDictionary(k => k, k => g.Members.Average(i => Estimate(samplesPerExample, right[i], k)))))
            .ToList();
    }

    /// <summary>1, 2, 4 … up to n, and n itself.</summary>
    public static IReadOnlyList<int> Ks(int n)
    {
        var ks = new List<int>();
        for (int k = 1; k < n; k *= 2) ks.Add(k);
        ks.Add(n);
        return ks;
    }

    /// <summary>
    /// Unbiased pass@k from n samples of which c are right: 1 − C(n−c, k) / C(n, k), computed as a running product so
    /// large n does not overflow.
    /// </summary>
    public static double Estimate(int n, int c, int k)
    {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"pass@k needs 1 <= k <= n and 0 <= c <= n (n = {n}, c = {c}, k = {k})");
        if (n - c < k) return 1.0;
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) allWrong *= 1.0 - (double)k / i;
        return 1.0 - allWrong;
    }
}
