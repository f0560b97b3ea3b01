using System.Diagnostics;
using TorchSharp;
using Vrm.Learner.Training;
using Vrm.Policy;
using Vrm.Rewards;
using static TorchSharp.torch;

namespace Vrm.Learner.Grpo;

/// <summary>Everything a GRPO step reports (DESIGN §6 names without the <c>vrm_</c> prefix).</summary>
public sealed class GrpoStepMetrics : Dictionary<string, double>
{
    public GrpoStepMetrics() : base(StringComparer.Ordinal) { }
}

/// <summary>
/// GRPO (DeepSeekMath; options from DAPO, Dr.GRPO, verl — DESIGN §4) written as one loop:
/// sample B prompts × G → rewards → group-relative advantages → μ clipped-surrogate updates with a k3 KL to
/// the frozen reference → new policy version → publish. Torch work runs on the calling thread only.
/// </summary>
public sealed class GrpoTrainer : IDisposable
{
    private readonly VrmModel _policy;
    private readonly VrmModel? _reference;
    private readonly ExampleSet _data;
    private readonly VrmTokenizer _tokenizer;
    private readonly IRolloutSource _rollouts;

    public GrpoOptions Options { get; private set; }
    public AdamW Optimizer { get; }
    public SeededShuffle Cursor { get; private set; }
    public ulong Seed { get; }
    /// <summary>Updates completed so far; the next step is numbered <see cref="Step"/>.</summary>
    public int Step { get; private set; }
    /// <summary>Policy version: 0 is the starting checkpoint, +1 per step.</summary>
    public long Version { get; private set; }
    public int TotalSteps { get; }

    /// <param name="reference">Frozen copy of the starting policy; required when β &gt; 0, ignored otherwise.</param>
    public GrpoTrainer(VrmModel policy, VrmModel? reference, ExampleSet data, VrmTokenizer tokenizer, IRolloutSource rollouts,
        GrpoOptions options, int totalSteps, ulong seed)
    {
        options.Validate();
        if (options.KlBeta > 0 && reference is null) throw new ArgumentException("grpo.KlBeta > 0 needs a reference model");
        _policy = policy;
        _reference = options.KlBeta > 0 ? reference : null;
        _reference?.FreezeVision();
        if (_reference is not null) foreach (var p in _reference.parameters()) p.requires_grad = false;
        _reference?.eval();
        _data = data;
        _tokenizer = tokenizer;
        _rollouts = rollouts;
        Options = options;
        TotalSteps = totalSteps;
        Seed = seed;
        if (!options.TrainVision) policy.FreezeVision();
        Optimizer = new AdamW(policy.named_parameters().Select(p => (p.name, (Tensor)p.parameter)), options.WeightDecay);
        Cursor = new SeededShuffle(data.Count, seed);
    }

    /// <summary>Restores counters and the data cursor after the caller loaded weights and optimizer state.</summary>
    public void Restore(int step, long version, int cursorEpoch, int cursorPosition)
    {
        Step = step;
        Version = version;
        Cursor = new SeededShuffle(_data.Count, Seed, cursorEpoch, cursorPosition);
        _submitted.Clear();
    }

    public IRolloutSource Rollouts => _rollouts;

    /// <summary>Built from the live options, so an UpdateRun of the learning rate takes effect at the next step.</summary>
    private LearningRateSchedule Schedule => new(Options.LearningRate, Options.WarmupSteps, TotalSteps, Options.Schedule);

    /// <summary>Live-changeable knobs (admin UpdateRun): learning rate, temperature, β, staleness.</summary>
    public void Update(GrpoOptions options)
    {
        options.Validate();
        if (options.KlBeta > 0 && _reference is null)
            throw new ArgumentException("grpo.KlBeta: cannot turn the KL on in a run that started with β = 0 (no reference model loaded)");
        Options = options;
    }

    public SamplingParams SamplingFor(int step, int round) => new()
    {
        Temperature = (float)Options.Temperature,
        TopP = (float)Options.TopP,
        MaxNewTokens = Options.MaxNewTokens,
        StopTokenIds = [_tokenizer.AnswerClose],
        EosTokenId = _tokenizer.Eos,
        PadTokenId = _tokenizer.Pad,
        BosTokenId = _tokenizer.Bos,
        // A pure function of (run seed, step, round): resume and distributed sampling draw the same numbers.
        Seed = unchecked(Seed * 0x9E3779B97F4A7C15UL + (ulong)step * 1_000_003UL + (ulong)round),
    };

    /// <summary>The reward weights every request carries, so remote workers score as this run asks (not with their service's defaults).</summary>
    public static RewardWeights WeightsOf(GrpoOptions o) => new(o.AccuracyWeight, o.FormatWeight, o.ConsistencyWeight, o.GroundingWeight);

    /// <summary>Runs one GRPO step and returns its metrics.</summary>
    public GrpoStepMetrics RunStep()
    {
        var o = Options;
        var m = new GrpoStepMetrics();
        var total = Stopwatch.StartNew();

        // --- generate + score (possibly on remote workers) ---
        var sampleClock = Stopwatch.StartNew();
        var first = NextRequest(o);
        var groups = _rollouts.Await(first).ToList();
        var all = groups.ToList();
        int rounds = 1;
        if (o.DynamicSampling)
        {
            // DAPO dynamic sampling: keep groups with reward variance, refill with fresh prompts.
            groups = groups.Where(HasVariance).ToList();
            while (groups.Count < o.PromptsPerStep && rounds <= o.DynamicSamplingMaxRounds)
            {
                var refill = new RolloutRequest(Step, rounds, Cursor.Next(o.PromptsPerStep - groups.Count), o.GroupSize, Version, SamplingFor(Step, rounds), WeightsOf(o));
                _rollouts.Submit(refill);
                var more = _rollouts.Await(refill);
                all.AddRange(more);
                groups.AddRange(more.Where(HasVariance));
                rounds++;
            }
            if (groups.Count == 0) groups = all.Take(o.PromptsPerStep).ToList(); // nothing to learn; still a step
            else if (groups.Count > o.PromptsPerStep) groups = groups.Take(o.PromptsPerStep).ToList();
        }
        double sampleSeconds = sampleClock.Elapsed.TotalSeconds;

        // --- advantages ---
        var rewards = groups.SelectMany(g => g.Completions.Select(c => c.Reward)).ToArray();
        var advantages = GroupAdvantages.Compute(rewards, o.GroupSize, o.Advantage);
        var allRewards = all.SelectMany(g => g.Completions).ToList();
        var zero = GroupAdvantages.ZeroVarianceGroups(all.SelectMany(g => g.Completions.Select(c => c.Reward)).ToArray(), o.GroupSize);

        // --- update ---
        var updateClock = Stopwatch.StartNew();
        var (lossStats, gradNorm, entropy, refSeconds) = Update(groups, advantages);
        double updateSeconds = updateClock.Elapsed.TotalSeconds;
        Step++;
        Version++;
        var publishClock = Stopwatch.StartNew();
        _rollouts.PolicyUpdated(Version, _policy);
        double publishSeconds = publishClock.Elapsed.TotalSeconds;

        // --- metrics over every sampled completion (what the policy did), loss stats over the trained batch ---
        m["step"] = Step;
        m["policy_version"] = Version;
        m["reward_mean"] = allRewards.Average(c => c.Reward);
        m["reward_std"] = GroupAdvantages.SampleStd(allRewards.Select(c => c.Reward).ToArray());
        m["reward_correctness_mean"] = allRewards.Average(c => c.Correctness);
        m["reward_correctness_std"] = GroupAdvantages.SampleStd(allRewards.Select(c => c.Correctness).ToArray());
        m["reward_format_mean"] = allRewards.Average(c => c.Format);
        m["reward_format_std"] = GroupAdvantages.SampleStd(allRewards.Select(c => c.Format).ToArray());
        // Reported at weight 0 too: how often the answer is the count the completion's own listing gives.
        m["reward_consistency_mean"] = allRewards.Average(c => c.Consistency);
        m["reward_consistency_std"] = GroupAdvantages.SampleStd(allRewards.Select(c => c.Consistency).ToArray());
        // Reported at weight 0 too: the share of the annotated objects the listing names right.
        m["reward_grounding_mean"] = allRewards.Average(c => c.Grounding);
        m["reward_grounding_std"] = GroupAdvantages.SampleStd(allRewards.Select(c => c.Grounding).ToArray());
        m["accuracy"] = allRewards.Average(c => c.Correctness >= 1 ? 1.0 : 0.0);
        m["format_rate"] = allRewards.Average(c => c.Format >= 1 ? 1.0 : 0.0);
        m["completion_length_tokens"] = allRewards.Average(c => (double)c.Tokens.Length);
        m["generated_tokens"] = allRewards.Sum(c => (double)c.Tokens.Length);
        m["tokens_per_second"] = m["generated_tokens"] / Math.Max(1e-9, sampleSeconds);
        m["zero_variance_groups_ratio"] = zero.Length == 0 ? 0 : zero.Count(z => z) / (double)zero.Length;
        // Exploration: the share of a group's G completions that are distinct texts (1/G: all the same), over every sampled
        // group. Rewards can only rank what sampling varies; a collapse here precedes a zero-variance rise.
        m["distinct_completions_ratio"] = DistinctRatio(all, o.GroupSize);
        m["sampling_rounds"] = rounds;
        m["sample_staleness_steps"] = allRewards.Average(c => (double)(Version - 1 - c.PolicyVersion));
        m["loss"] = lossStats.Loss;
        m["policy_loss"] = lossStats.PolicyLoss;
        m["kl"] = lossStats.Kl;
        m["entropy"] = entropy;
        m["clip_fraction"] = lossStats.ClipFraction;
        m["ratio_mean"] = lossStats.RatioMean;
        m["grad_norm"] = gradNorm;
        m["learning_rate"] = Schedule.At(Step - 1);
        m["step_duration_seconds_sample"] = sampleSeconds;
        m["step_duration_seconds_reference"] = refSeconds;
        m["step_duration_seconds_update"] = updateSeconds - refSeconds;
        m["step_duration_seconds_publish"] = publishSeconds;
        m["step_duration_seconds"] = total.Elapsed.TotalSeconds;
        return m;
    }

    /// <summary>
    /// Keeps 1 + MaxStaleness requests submitted (synchronous mode: just this step's), then returns this
    /// step's. Future requests are drawn at the current version; their samples may be up to k versions old.
    /// </summary>
    private RolloutRequest NextRequest(GrpoOptions o)
    {
        while (_submitted.Count < 1 + o.MaxStaleness)
        {
            int step = Step + _submitted.Count;
            var request = new RolloutRequest(step, 0, Cursor.Next(o.PromptsPerStep), o.GroupSize, Version, SamplingFor(step, 0), WeightsOf(o));
            _rollouts.Submit(request);
            _submitted.Enqueue(request);
        }
        return _submitted.Dequeue();
    }

    private readonly Queue<RolloutRequest> _submitted = new();

    private static bool HasVariance(RolloutGroup g) => g.Completions.Any(c => c.Reward != g.Completions[0].Reward);

    /// <summary>Mean over groups of (distinct completion texts) / G.</summary>
    public static double DistinctRatio(IReadOnlyList<RolloutGroup> groups, int groupSize) =>
        groups.Count == 0 ? 0 : groups.Average(g => g.Completions.Select(c => c.Text).Distinct(StringComparer.Ordinal).Count() / (double)groupSize);

    /// <summary>μ policy iterations on the batch; returns the last iteration's loss statistics.</summary>
    private (GrpoLossStats Stats, double GradNorm, double Entropy, double RefSeconds) Update(IReadOnlyList<RolloutGroup> groups, double[] advantages)
    {
        var o = Options;
        // One image and prompt per group: the scorer runs each prefix once for its G completions (Scorer.ScoreGrouped).
        var promptRows = groups.Select(g => g.PromptRow).ToList();
        var completions = groups.SelectMany(g => g.Completions.Select(c => c.Tokens.Length == 0 ? new[] { _tokenizer.Eos } : c.Tokens)).ToList();
        var behaviour = groups.SelectMany(g => g.Completions.Select(c => c.BehaviourLogProbs.Length == 0 ? new[] { 0f } : c.BehaviourLogProbs)).ToList();
        int n = completions.Count, tc = completions.Max(c => c.Length);
        double lr = Schedule.At(Step);
        var stats = new GrpoLossStats(0, 0, 0, 0, 0);
        double gradNorm = 0, entropy = 0, refSeconds = 0;

        using var compute = ModelComputeClock.Measure("update");
        using var outer = NewDisposeScope();
        var images = _data.ImagesOf(promptRows);                                       // [groups, 3, S, S]
        var prompts = promptRows.Select(r => _data.PromptIds[r]).ToList();
        var old = tensor(Pad(behaviour, tc), [n, tc]);                                   // [N, Tc]
        var adv = tensor(advantages.Select(a => (float)a).ToArray());                    // [N]
        Tensor? refLogp = null;
        if (_reference is not null)
        {
            var clock = Stopwatch.StartNew();
            using var s = Scorer.ScoreGrouped(_reference, images, prompts, completions, o.GroupSize, withGrad: false, (float)o.Temperature, _tokenizer.Bos, _tokenizer.Pad);
            refLogp = s.LogProbs.clone();                                               // [N, Tc]
            refSeconds = clock.Elapsed.TotalSeconds;
        }
        _policy.train();
        for (int it = 0; it < o.PolicyIterations; it++)
        {
            using var scope = NewDisposeScope();
            using var scores = Scorer.ScoreGrouped(_policy, images, prompts, completions, o.GroupSize, withGrad: true, (float)o.Temperature, _tokenizer.Bos, _tokenizer.Pad);
            var r = GrpoLoss.Compute(scores.LogProbs, old, refLogp, adv, scores.Mask, o.ClipLow, o.ClipHigh, o.KlBeta, o.Aggregation, o.MaxNewTokens);
            Optimizer.ZeroGrad();
            r.Loss.backward();
            gradNorm = nn.utils.clip_grad_norm_(_policy.parameters().Where(p => p.requires_grad), o.MaxGradNorm);
            Optimizer.Step(lr);
            stats = new GrpoLossStats(r.Loss.item<float>(), r.PolicyLoss.item<float>(), r.Kl.item<float>(), r.ClipFraction.item<float>(), r.RatioMean.item<float>());
            using (no_grad())
                entropy = ((scores.Entropy * scores.Mask).sum() / scores.Mask.sum().clamp_min(Scalars.One)).item<float>();
        }
        _policy.eval();
        return (stats, gradNorm, entropy, refSeconds);
    }

    private static float[] Pad(IReadOnlyList<float[]> rows, int width)
    {
        var flat = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++) rows[i].AsSpan(0, Math.Min(width, rows[i].Length)).CopyTo(flat.AsSpan(i * width));
        return flat;
    }

    public void Dispose() => Optimizer.Dispose();
}
