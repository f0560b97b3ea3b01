using Vrm.Policy.Config;

namespace Vrm.Policy;

/// <summary>
/// Counts the multiply-add FLOPs (2 per MAC) of every matmul the model really executes: vision (patch
/// embedding, QKV, QKᵀ, AV, output, MLP), projector, LM attention incl. QKᵀ and AV over the real key
/// lengths, SwiGLU MLP and LM head. Elementwise ops, norms and the rotary trick's tiny matmul are not counted.
/// </summary>
public sealed class ModelFlops(VrmConfig cfg)
{
    private readonly VisionConfig _v = cfg.Vision;
    private readonly LanguageModelConfig _l = cfg.LanguageModel;
    private readonly ProjectorKind _proj = cfg.Projector.Kind;

    /// <summary>Vision encoder forward over <paramref name="images"/> images.</summary>
    public double Vision(long images)
    {
        double p = _v.NumPatches, d = _v.Dim;
        double patch = 2.0 * p * (_v.Channels * _v.PatchSize * _v.PatchSize) * d;
        double block = 2.0 * p * d * 3 * d          // qkv
                     + 2.0 * 2 * p * p * d          // QKᵀ and AV over all heads
                     + 2.0 * p * d * d              // out
                     + 2.0 * 2 * p * d * (d * _v.MlpRatio); // fc1, fc2
        return images * (patch + _v.Layers * block);
    }

    /// <summary>Projector forward over <paramref name="images"/> images' patch features.</summary>
    public double Projector(long images)
    {
        double p = _v.NumPatches;
        double f = 2.0 * p * _v.Dim * _l.Dim;
        if (_proj == ProjectorKind.Mlp2xGelu) f += 2.0 * p * _l.Dim * _l.Dim;
        return images * f;
    }

    /// <summary>LM blocks: <paramref name="rows"/> rows of <paramref name="queries"/> new positions each
    /// attending over <paramref name="keys"/> keys (the attention is computed densely over the mask).</summary>
    public double LmBlocks(long rows, long queries, long keys)
    {
        double d = _l.Dim, f = _l.MlpHidden;
        double proj = 2.0 * queries * (d * 3 * d + d * d + d * 2 * f + f * d);
        double attn = 2.0 * 2 * queries * keys * d; // QKᵀ and AV, all heads
        return rows * _l.Layers * (proj + attn);
    }

    /// <summary>Tied LM head on <paramref name="positions"/> positions per row.</summary>
    public double Head(long rows, long positions) => 2.0 * rows * positions * _l.Dim * _l.VocabSize;

    /// <summary>One <see cref="Sampler.Generate"/> call: prefill of N prompts (T0 positions), then
    /// <paramref name="decodeForwards"/> single-token steps over N·G rows with growing cache.</summary>
    public double Sampling(long prompts, long group, long promptEnd, long decodeForwards)
    {
        double f = Vision(prompts) + Projector(prompts) + LmBlocks(prompts, promptEnd, promptEnd) + Head(prompts, 1);
        for (long s = 0; s < decodeForwards; s++)
            f += LmBlocks(prompts * group, 1, promptEnd + s + 1) + Head(prompts * group, 1);
        return f;
    }

    /// <summary>A teacher-forced forward over <paramref name="rows"/> rows of <paramref name="length"/>
    /// positions with the head on <paramref name="completion"/> positions (the scorer).</summary>
    public double Score(long rows, long length, long completion) =>
        Vision(rows) + Projector(rows) + LmBlocks(rows, length, length) + Head(rows, completion);

    /// <summary>
    /// <see cref="Scorer.ScoreGrouped"/>: N prompts' images and prefixes (T0 positions) once, then N·G completion rows of
    /// Lc = Tc − 1 input positions attending over T0 + Lc keys, the head on Tc positions per row.
    /// </summary>
    public double ScoreGrouped(long prompts, long group, long promptEnd, long completion) =>
        Vision(prompts) + Projector(prompts) + GroupedLm(prompts, group, promptEnd, completion);

    /// <summary><see cref="ScoreGrouped"/> forward + backward, counted as <see cref="TrainStep"/> counts the flat pass.</summary>
    public double TrainStepGrouped(long prompts, long group, long promptEnd, long completion, bool visionFrozen) =>
        Vision(prompts) * (visionFrozen ? 1 : 3) + Projector(prompts) * (visionFrozen ? 2 : 3) + 3 * GroupedLm(prompts, group, promptEnd, completion);

    private double GroupedLm(long prompts, long group, long promptEnd, long completion) =>
        LmBlocks(prompts, promptEnd, promptEnd) + LmBlocks(prompts * group, completion - 1, promptEnd + completion - 1) + Head(prompts * group, completion);

    /// <summary>Forward + backward of the scorer's pass: backward costs 2× forward where gradients flow
    /// to weights and inputs (LM, head); the projector needs weight gradients only (1×) when the encoder
    /// is frozen; a frozen encoder runs forward only.</summary>
    public double TrainStep(long rows, long length, long completion, bool visionFrozen)
    {
        double vision = Vision(rows) * (visionFrozen ? 1 : 3);
        double projector = Projector(rows) * (visionFrozen ? 2 : 3);
        return vision + projector + 3 * (LmBlocks(rows, length, length) + Head(rows, completion));
    }
}
