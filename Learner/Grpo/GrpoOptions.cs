namespace Vrm.Learner.Grpo;


/// <summary>How a completion's reward becomes its advantage (DESIGN §4).</summary>
public enum AdvantageMode
{
    /// <summary>GRPO: (r − mean_group) / (std_group + 1e-6).</summary>
    Group,
    /// <summary>Dr.GRPO: r − mean_group, no std division (removes the difficulty bias of std scaling).</summary>
    None,
    /// <summary>Group-mean baseline, batch std scale (Lite-PPO style): (r − mean_group) / (std_batch + 1e-6).</summary>
    Batch,
}

/// <summary>How per-token losses are reduced to one scalar (DESIGN §4).</summary>
public enum LossAggregation
{
    /// <summary>Sum over all valid tokens in the batch / count of valid tokens (DAPO, verl default).</summary>
    TokenMean,
    /// <summary>Mean over tokens inside each sequence, then mean over sequences (original GRPO).</summary>
    SeqMeanTokenMean,
    /// <summary>Sum over tokens inside each sequence / a constant (max completion length), then mean over sequences (Dr.GRPO).</summary>
    SeqMeanTokenSumNorm,
}

/// <summary>Every GRPO knob with the defaults DESIGN §4 records from verl/TRL/DAPO/Dr.GRPO.</summary>
public sealed record GrpoOptions
{
    /// <summary>Prompts per step, B.</summary>
    public int PromptsPerStep { get; init; } = 16;
    /// <summary>Completions sampled per prompt, G.</summary>
    public int GroupSize { get; init; } = 8;
    public AdvantageMode Advantage { get; init; } = AdvantageMode.Group;
    /// <summary>
    /// Lower clip range: ratio is clipped at 1 − ε_low. Either ε binds only when the policy has moved since sampling —
    /// μ &gt; 1, or stale samples in asynchronous mode. At μ = 1 in synchronous mode the behaviour log-probs are the
    /// policy's own, the ratio is exactly 1 and no clip binds (measured: clip fraction 0 at every step; clip-high 0.2 and
    /// 0.28 gave the same run to the digit).
    /// </summary>
    public double ClipLow { get; init; } = 0.2;
    /// <summary>Upper clip range: ratio is clipped at 1 + ε_high (DAPO clip-higher uses 0.28). See <see cref="ClipLow"/> for when it binds.</summary>
    public double ClipHigh { get; init; } = 0.2;
    /// <summary>Weight β of the k3 KL to the frozen reference; 0 drops the reference model entirely.</summary>
    public double KlBeta { get; init; } = 0.04;
    public LossAggregation Aggregation { get; init; } = LossAggregation.TokenMean;
    /// <summary>Policy iterations μ over each batch.</summary>
    public int PolicyIterations { get; init; } = 1;
    /// <summary>Drop groups whose rewards have zero variance and refill the batch (DAPO dynamic sampling).</summary>
    public bool DynamicSampling { get; init; } = false;
    /// <summary>Upper bound on extra sampling rounds per step when dynamic sampling refills the batch.</summary>
    public int DynamicSamplingMaxRounds { get; init; } = 3;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public double LearningRate { get; init; } = 1e-4;
    public double WeightDecay { get; init; } = 0.0;
    public int WarmupSteps { get; init; } = 0;
    public LrScheduleKind Schedule { get; init; } = LrScheduleKind.Constant;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int MaxNewTokens { get; init; } = 64;
    /// <summary>Asynchronous mode: how many policy versions a sample may lag (0 = synchronous, DESIGN §3).</summary>
    public int MaxStaleness { get; init; } = 0;
    /// <summary>Reward weights: correctness and format (DESIGN §4: 1.0, 0.5).</summary>
    public double AccuracyWeight { get; init; } = 1.0;
    public double FormatWeight { get; init; } = 0.5;
    /// <summary>Weight of the reasoning–answer consistency reward (Vrm.Rewards.ConsistencyReward; 0 = off, as DESIGN §4).</summary>
    public double ConsistencyWeight { get; init; }
    /// <summary>Weight of the grounding reward (Vrm.Rewards.GroundingReward: the listing against the annotated objects;
    /// 0 = off, as DESIGN §4). Needs examples with a reference trace; others score 0 and are unaffected.</summary>
    public double GroundingWeight { get; init; }
    /// <summary>Also update the vision encoder (default false: DESIGN keeps it frozen after pretraining). With it frozen,
    /// count accuracy is bound by what the contrastive features carry; see the issue-4 notes.</summary>
    public bool TrainVision { get; init; }

    public void Validate()
    {
        void Require(bool ok, string field, string why) { if (!ok) throw new ArgumentException($"grpo.{field}: {why}"); }
        Require(PromptsPerStep > 0, nameof(PromptsPerStep), "must be > 0");
        Require(GroupSize >= 2, nameof(GroupSize), "must be >= 2 (advantages are relative to the group)");
        Require(ClipLow is > 0 and < 1, nameof(ClipLow), "must be in (0, 1)");
        Require(ClipHigh > 0, nameof(ClipHigh), "must be > 0");
        Require(KlBeta >= 0, nameof(KlBeta), "must be >= 0");
        Require(PolicyIterations >= 1, nameof(PolicyIterations), "must be >= 1");
        Require(MaxGradNorm > 0, nameof(MaxGradNorm), "must be > 0");
        Require(LearningRate > 0, nameof(LearningRate), "must be > 0");
        Require(Temperature > 0, nameof(Temperature), "must be > 0");
        Require(TopP is > 0 and <= 1, nameof(TopP), "must be in (0, 1]");
        Require(MaxNewTokens > 0, nameof(MaxNewTokens), "must be > 0");
        Require(MaxStaleness >= 0, nameof(MaxStaleness), "must be >= 0");
        Require(DynamicSamplingMaxRounds >= 0, nameof(DynamicSamplingMaxRounds), "must be >= 0");
    }
}
