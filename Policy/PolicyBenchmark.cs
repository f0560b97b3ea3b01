using System.Diagnostics;
using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>What <see cref="PolicyBenchmark.Run"/> measured. Rates in FLOP/s, times in seconds.</summary>
public sealed record PolicyBenchmarkResult
{
    public required int Threads { get; init; }
    public required long Parameters { get; init; }
    public required int Prompts { get; init; }
    public required int GroupSize { get; init; }
    public required int Rows { get; init; }
    public required int NewTokens { get; init; }
    public required int PromptEnd { get; init; }
    public required double MatmulRate1024 { get; init; }
    public required Dictionary<string, double> MatmulRateModelShapes { get; init; }
    public required double SampleSeconds { get; init; }
    public required double PrefillSeconds { get; init; }
    public required double DecodeStepSeconds { get; init; }
    public required int GeneratedTokens { get; init; }
    public required double SampleTokensPerSecond { get; init; }
    public required double SampleFlops { get; init; }
    public required double SampleFlopRate { get; init; }
    public required double SampleRatio { get; init; }
    public required double TrainStepSeconds { get; init; }
    public required double TrainFlops { get; init; }
    public required double TrainFlopRate { get; init; }
    public required double TrainRatio { get; init; }
    public required double ScoreSeconds { get; init; }
    public required double ScoreFlops { get; init; }
    public required double ScoreFlopRate { get; init; }
    public required double ScoreRatio { get; init; }
}

/// <summary>
/// Measures the policy at its default config: sampling (N prompts × G samples × new tokens), a GRPO-like
/// training step (scorer with gradients over BOS+visual+prompt+completion, backward, AdamW; vision frozen),
/// the no-grad scorer, and — in the same run — this machine's fp32 matmul rate, so model FLOP/s can be
/// read as a fraction of what the hardware does.
/// </summary>
public static class PolicyBenchmark
{
    public static PolicyBenchmarkResult Run(VrmConfig cfg, int prompts, int group, int newTokens, int promptTokens, int repeats, ulong seed, Action<string>? log = null)
    {
        if (prompts < 1 || group < 1 || newTokens < 1 || promptTokens < 1 || repeats < 1)
            throw new ArgumentException("prompts, group, new tokens, prompt tokens and repeats must all be >= 1");
        log ??= _ => { };
        torch.manual_seed((long)seed);
        using var model = new VrmModel(cfg);
        model.FreezeVision(); // as in SFT and GRPO
        var flops = new ModelFlops(cfg);
        var lm = cfg.LanguageModel;
        int rows = prompts * group;

        // --- inputs: random images, prompts of promptTokens ± 25 % ---
        var rng = new Random((int)seed);
        var promptIds = Enumerable.Range(0, prompts)
            .Select(_ => Enumerable.Range(0, Math.Max(1, promptTokens + rng.Next(-promptTokens / 4, promptTokens / 4 + 1))).Select(_ => rng.Next(10, lm.VocabSize)).ToArray())
            .ToArray();
        using var gen = new Generator(seed);
        using var images = rand([prompts, 3, cfg.Vision.ImageSize, cfg.Vision.ImageSize], generator: gen);
        // No stop token and an EOS the random model rarely draws: every row runs to the length limit.
        var sampling = new SamplingParams { MaxNewTokens = newTokens, StopTokenIds = [], EosTokenId = lm.VocabSize - 1, BosTokenId = 1, PadTokenId = 0, Seed = seed, Temperature = 1f };

        // --- matmul ceiling, same run ---
        log("matmul rate ...");
        double mm1024 = MatmulRate(1024, 1024, 1024, 10);
        int t0Guess = 1 + cfg.Vision.NumPatches + promptTokens;
        var shapes = new Dictionary<string, double>
        {
            [$"{rows}x{lm.Dim}x{3 * lm.Dim} (decode qkv)"] = MatmulRate(rows, lm.Dim, 3 * lm.Dim, 200),
            [$"{rows}x{lm.Dim}x{2 * lm.MlpHidden} (decode gate_up)"] = MatmulRate(rows, lm.Dim, 2 * lm.MlpHidden, 200),
            [$"{rows * (t0Guess + newTokens)}x{lm.Dim}x{2 * lm.MlpHidden} (train gate_up)"] = MatmulRate(rows * (t0Guess + newTokens), lm.Dim, 2 * lm.MlpHidden, 10),
        };

        // --- sampling ---
        log("sampling ...");
        SampleBatch batch = Sampler.Generate(model, images, promptIds, group, sampling); // warm-up
        Sampler.Generate(model, images, promptIds, group, sampling);
        var sampleTimes = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            batch = Sampler.Generate(model, images, promptIds, group, sampling with { Seed = seed + (ulong)i });
            sampleTimes.Add(sw.Elapsed.TotalSeconds);
        }
        double sampleS = Median(sampleTimes);
        int t0 = 1 + cfg.Vision.NumPatches + promptIds.Max(p => p.Length);
        double sampleFlops = flops.Sampling(prompts, group, t0, batch.DecodeSteps - 1);
        // Prefill alone (1 new token) to split the time into prefill and per-step decode.
        var prefillTimes = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            Sampler.Generate(model, images, promptIds, group, sampling with { MaxNewTokens = 1 });
            prefillTimes.Add(sw.Elapsed.TotalSeconds);
        }
        double prefillS = Median(prefillTimes);
        double decodeStepS = (sampleS - prefillS) / Math.Max(1, batch.DecodeSteps - 1);

        // --- training step: scorer with grad + backward + AdamW over the sampled completions ---
        log("training step ...");
        using var rowImages = images.repeat_interleave(group, 0);
        var rowPrompts = batch.Rows.Select(r => promptIds[r.PromptIndex]).ToArray();
        var completions = batch.Rows.Select(r => r.Tokens).ToArray();
        var advantages = Enumerable.Range(0, rows).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        using var opt = optim.AdamW(model.parameters().Where(p => p.requires_grad), lr: 1e-4);
        void TrainStep()
        {
            using var scope = NewDisposeScope();
            using var s = Scorer.Score(model, rowImages, rowPrompts, completions, withGrad: true);
            var adv = tensor(advantages).unsqueeze(1);                          // [N, 1]
            var loss = s.LogProbs.mul(adv).sum().neg().div(s.Mask.sum());
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        TrainStep(); TrainStep();
        var trainTimes = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            TrainStep();
            trainTimes.Add(sw.Elapsed.TotalSeconds);
        }
        double trainS = Median(trainTimes);
        int tc = completions.Max(c => c.Length);
        int length = t0 + tc - 1;
        double trainFlops = flops.TrainStep(rows, length, tc, visionFrozen: true);

        // --- scorer without grad ---
        log("scorer ...");
        void ScoreOnce()
        {
            using var scope = NewDisposeScope();
            using var s = Scorer.Score(model, rowImages, rowPrompts, completions, withGrad: false);
        }
        ScoreOnce();
        var scoreTimes = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            ScoreOnce();
            scoreTimes.Add(sw.Elapsed.TotalSeconds);
        }
        double scoreS = Median(scoreTimes);
        double scoreFlops = flops.Score(rows, length, tc);

        return new PolicyBenchmarkResult
        {
            Threads = torch.get_num_threads(),
            Parameters = ParameterCount.Of(model).Total,
            Prompts = prompts, GroupSize = group, Rows = rows, NewTokens = newTokens, PromptEnd = t0,
            MatmulRate1024 = mm1024, MatmulRateModelShapes = shapes,
            SampleSeconds = sampleS, PrefillSeconds = prefillS, DecodeStepSeconds = decodeStepS,
            GeneratedTokens = batch.GeneratedTokens, SampleTokensPerSecond = batch.GeneratedTokens / sampleS,
            SampleFlops = sampleFlops, SampleFlopRate = sampleFlops / sampleS, SampleRatio = sampleFlops / sampleS / mm1024,
            TrainStepSeconds = trainS, TrainFlops = trainFlops, TrainFlopRate = trainFlops / trainS, TrainRatio = trainFlops / trainS / mm1024,
            ScoreSeconds = scoreS, ScoreFlops = scoreFlops, ScoreFlopRate = scoreFlops / scoreS, ScoreRatio = scoreFlops / scoreS / mm1024,
        };
    }

    /// <summary>fp32 FLOP/s of torch.matmul [m, k] × [k, n] (median of <paramref name="reps"/> batches of calls).</summary>
    public static double MatmulRate(int m, int k, int n, int reps)
    {
        using var scope = NewDisposeScope();
        var a = randn(m, k);
        var b = randn(k, n);
        var c = empty(m, n);
        for (int i = 0; i < 3; i++) torch.matmul(a, b).Dispose();
        var times = new List<double>();
        for (int r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) torch.matmul(a, b).Dispose();
            times.Add(sw.Elapsed.TotalSeconds / reps);
        }
        return 2.0 * m * k * n / Median(times);
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
