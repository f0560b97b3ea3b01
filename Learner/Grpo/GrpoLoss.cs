using TorchSharp;
using static TorchSharp.torch;
using Vrm.Policy;

namespace Vrm.Learner.Grpo;

/// <summary>Scalars reported by one loss evaluation (host values, read after the backward).</summary>
public sealed record GrpoLossStats(double Loss, double PolicyLoss, double Kl, double ClipFraction, double RatioMean);

/// <summary>
/// The clipped GRPO surrogate with a k3 KL penalty to a frozen reference (DESIGN §4):
/// per token, ρ = exp(logπθ − logπ_old), pg = −min(ρ·A, clip(ρ, 1−ε_low, 1+ε_high)·A),
/// kl = exp(ref − logπθ) − (ref − logπθ) − 1, loss = pg + β·kl, reduced by the chosen aggregation.
/// </summary>
public static class GrpoLoss
{
    /// <param name="logProbs">[N, T] log-probs of the sampled tokens under the policy being trained (with grad).</param>
    /// <param name="oldLogProbs">[N, T] behaviour log-probs recorded by the sampler (no grad).</param>
    /// <param name="refLogProbs">[N, T] log-probs under the frozen reference, or null when β = 0.</param>
    /// <param name="advantages">[N] one advantage per completion, broadcast over its tokens.</param>
    /// <param name="mask">[N, T] 1 for completion tokens, 0 for padding.</param>
    /// <param name="aggregationConstant">Dr.GRPO's constant denominator (max completion tokens) for SeqMeanTokenSumNorm.</param>
    public static (Tensor Loss, Tensor PolicyLoss, Tensor Kl, Tensor ClipFraction, Tensor RatioMean) Compute(
        Tensor logProbs, Tensor oldLogProbs, Tensor? refLogProbs, Tensor advantages, Tensor mask,
        double clipLow, double clipHigh, double klBeta, LossAggregation aggregation, int aggregationConstant)
    {
        // Explicit Scalars that live to the end of the call: a temporary from a C# number can be finalized while libtorch
        // still reads it (Vrm.Policy.Scalars).
        using Scalar low = (1 - clipLow).ToScalar(), high = (1 + clipHigh).ToScalar(), beta = klBeta.ToScalar();
        var adv = advantages.unsqueeze(1);                                   // [N, 1]
        var ratio = (logProbs - oldLogProbs).exp();                          // [N, T]
        var pgUnclipped = -adv * ratio;                                      // [N, T]
        var pgClipped = -adv * ratio.clamp(low, high);                       // [N, T]
        var pg = maximum(pgUnclipped, pgClipped);                            // [N, T] = −min(ρA, clip(ρ)A)

        Tensor kl;
        Tensor perToken;
        if (refLogProbs is not null && klBeta > 0)
        {
            var logRatio = refLogProbs - logProbs;                           // [N, T] log(π_ref/πθ)
            kl = (logRatio.exp() - logRatio).sub_(Scalars.One);             // [N, T] k3, ≥ 0
            perToken = pg + kl.mul(beta);
        }
        else
        {
            kl = zeros_like(pg);
            perToken = pg;
        }

        var loss = Aggregate(perToken, mask, aggregation, aggregationConstant);
        using var _ = no_grad();
        var policyLoss = Aggregate(pg, mask, aggregation, aggregationConstant);
        var tokens = mask.sum().clamp_min(Scalars.One);
        var klMean = (kl * mask).sum() / tokens;
        var clipFraction = (pgClipped.gt(pgUnclipped).to(ScalarType.Float32) * mask).sum() / tokens;
        var ratioMean = (ratio * mask).sum() / tokens;
        return (loss, policyLoss.detach(), klMean.detach(), clipFraction.detach(), ratioMean.detach());
    }

    /// <summary>Reduces [N, T] per-token values under [N, T] mask to a scalar.</summary>
    public static Tensor Aggregate(Tensor perToken, Tensor mask, LossAggregation aggregation, int aggregationConstant)
    {
        var masked = perToken * mask;                                        // [N, T]
        switch (aggregation)
        {
            case LossAggregation.TokenMean:
                return masked.sum() / mask.sum().clamp_min(Scalars.One);
            case LossAggregation.SeqMeanTokenMean:
                {
                    var perSeq = masked.sum(1) / mask.sum(1).clamp_min(Scalars.One); // [N]
                    return perSeq.mean();
                }
            case LossAggregation.SeqMeanTokenSumNorm:
                {
                    if (aggregationConstant <= 0) throw new ArgumentOutOfRangeException(nameof(aggregationConstant));
                    using var c = ((double)aggregationConstant).ToScalar();
                    var perSeq = masked.sum(1).div(c);                             // [N]
                    return perSeq.mean();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, null);
        }
    }
}
