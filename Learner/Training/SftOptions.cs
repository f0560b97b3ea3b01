namespace Vrm.Learner.Training;

/// <summary>Stage 2 (LLaVA end-to-end fine-tuning of projector + LM, encoder frozen).</summary>
public sealed record SftOptions
{
    public int Steps { get; init; } = 400;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 0.01;
    public int WarmupSteps { get; init; } = 30;
    public LrScheduleKind Schedule { get; init; } = LrScheduleKind.Cosine;
    public double MaxGradNorm { get; init; } = 1.0;
    public ulong Seed { get; init; } = 1;
    /// <summary>Also train the vision encoder (default false: LLaVA stage 2 and DESIGN keep it frozen). An experiment
    /// switch: with the encoder frozen, counting is bound by what the contrastive features carry.</summary>
    public bool TrainVision { get; init; }

    public void Validate()
    {
        if (Steps < 0) throw new ArgumentException($"sft.steps ({Steps}) must be >= 0");
        if (BatchSize < 1) throw new ArgumentException($"sft.batch_size ({BatchSize}) must be >= 1");
        if (!(LearningRate > 0)) throw new ArgumentException($"sft.learning_rate ({LearningRate}) must be > 0");
        if (WarmupSteps < 0) throw new ArgumentException($"sft.warmup_steps ({WarmupSteps}) must be >= 0");
        if (!(MaxGradNorm > 0)) throw new ArgumentException($"sft.max_grad_norm ({MaxGradNorm}) must be > 0");
    }
}
