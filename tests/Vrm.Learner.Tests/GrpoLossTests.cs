using TorchSharp;
using Vrm.Learner.Grpo;
using static TorchSharp.torch;

namespace Vrm.Learner.Tests;

/// <summary>The clipped surrogate, k3 KL and each aggregation against hand-computed values and gradients.</summary>
public class GrpoLossTests
{
    private static (double Loss, double Grad, double ClipFraction) OneToken(double ratio, double advantage, double clipLow = 0.2, double clipHigh = 0.2)
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new[,] { { (float)Math.Log(ratio) } }).requires_grad_(true); // [1, 1]
        var old = zeros(1, 1);
        var r = GrpoLoss.Compute(logp, old, null, tensor(new[] { (float)advantage }), ones(1, 1),
            clipLow, clipHigh, 0, LossAggregation.TokenMean, 1);
        r.Loss.backward();
        return (r.Loss.item<float>(), logp.grad!.item<float>(), r.ClipFraction.item<float>());
    }

    [Fact]
    public void Inside_the_clip_range_the_loss_is_minus_ratio_times_advantage_and_the_gradient_flows()
    {
        var (loss, grad, clip) = OneToken(1.1, 1.0);
        Assert.Equal(-1.1, loss, 5);
        Assert.Equal(-1.1, grad, 5); // d(−ρA)/dlogπ = −ρA
        Assert.Equal(0, clip);
    }

    [Fact]
    public void Beyond_the_upper_bound_with_positive_advantage_the_loss_is_clipped_and_the_gradient_is_zero()
    {
        var (loss, grad, clip) = OneToken(1.5, 1.0);
        Assert.Equal(-1.2, loss, 5);
        Assert.Equal(0, grad);
        Assert.Equal(1, clip);
    }

    [Fact]
    public void Below_the_lower_bound_with_negative_advantage_the_loss_is_clipped_and_the_gradient_is_zero()
    {
        var (loss, grad, clip) = OneToken(0.5, -1.0);
        Assert.Equal(0.8, loss, 5);
        Assert.Equal(0, grad);
        Assert.Equal(1, clip);
    }

    [Fact]
    public void Beyond_the_upper_bound_with_negative_advantage_the_gradient_still_flows()
    {
        // min(ρA, clip(ρ)A) with A < 0 picks the unclipped, more pessimistic term.
        var (loss, grad, clip) = OneToken(1.5, -1.0);
        Assert.Equal(1.5, loss, 5);
        Assert.Equal(1.5, grad, 5);
        Assert.Equal(0, clip);
    }

    [Fact]
    public void At_the_boundary_both_terms_agree()
    {
        var (loss, _, clip) = OneToken(1.2, 1.0);
        Assert.Equal(-1.2, loss, 5);
        Assert.Equal(0, clip);
    }

    [Fact]
    public void Clip_higher_widens_only_the_upper_bound()
    {
        Assert.Equal(-1.28, OneToken(1.5, 1.0, clipHigh: 0.28).Loss, 5);
        Assert.Equal(0.8, OneToken(0.5, -1.0, clipHigh: 0.28).Loss, 5);
    }

    [Fact]
    public void Kl_is_zero_when_the_policy_equals_the_reference_and_k3_otherwise()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new float[,] { { -1.0f, -2.0f }, { -0.5f, -3.0f } });
        var mask = ones(2, 2);
        var same = GrpoLoss.Compute(logp, logp, logp, zeros(2), mask, 0.2, 0.2, 0.04, LossAggregation.TokenMean, 2);
        Assert.Equal(0, same.Kl.item<float>());
        Assert.Equal(0, same.Loss.item<float>());

        // ref − logπ = log 0.5 on every token: k3 = 0.5 − log 0.5 − 1 = 0.193147
        var refLp = logp + (float)Math.Log(0.5);
        var r = GrpoLoss.Compute(logp, logp, refLp, zeros(2), mask, 0.2, 0.2, 0.04, LossAggregation.TokenMean, 2);
        Assert.Equal(0.193147, r.Kl.item<float>(), 5);
        Assert.Equal(0.04 * 0.193147, r.Loss.item<float>(), 5);
    }

    [Fact]
    public void Beta_zero_ignores_the_reference()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new float[,] { { -1.0f } });
        var r = GrpoLoss.Compute(logp, logp, logp - 5, ones(1), ones(1, 1), 0.2, 0.2, 0, LossAggregation.TokenMean, 1);
        Assert.Equal(-1.0, r.Loss.item<float>(), 5);
    }

    [Fact]
    public void Aggregations_match_hand_computed_values()
    {
        using var scope = NewDisposeScope();
        var perToken = tensor(new float[,] { { 4, 9, 9 }, { 1, 1, 1 } });
        var mask = tensor(new float[,] { { 1, 0, 0 }, { 1, 1, 1 } });
        Assert.Equal(7.0 / 4, GrpoLoss.Aggregate(perToken, mask, LossAggregation.TokenMean, 3).item<float>(), 5);
        Assert.Equal((4.0 + 1.0) / 2, GrpoLoss.Aggregate(perToken, mask, LossAggregation.SeqMeanTokenMean, 3).item<float>(), 5);
        Assert.Equal((4.0 / 3 + 3.0 / 3) / 2, GrpoLoss.Aggregate(perToken, mask, LossAggregation.SeqMeanTokenSumNorm, 3).item<float>(), 5);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenMean)]
    [InlineData(LossAggregation.SeqMeanTokenSumNorm)]
    public void A_zero_variance_group_contributes_zero_policy_gradient(LossAggregation aggregation)
    {
        using var scope = NewDisposeScope();
        // Two groups of G = 2: rewards [1, 1] (zero variance) and [1, 0].
        var adv = GroupAdvantages.Compute([1, 1, 1, 0], 2, AdvantageMode.Group);
        var logp = tensor(new float[,] { { -0.3f, -1.2f }, { -0.7f, -0.1f }, { -0.4f, -2.0f }, { -0.9f, -0.2f } }).requires_grad_(true);
        var old = logp.detach() - 0.05f;
        var r = GrpoLoss.Compute(logp, old, null, tensor(adv.Select(a => (float)a).ToArray()), ones(4, 2),
            0.2, 0.2, 0, aggregation, 2);
        r.Loss.backward();
        var g = logp.grad!;
        Assert.Equal(0, g[0].abs().sum().item<float>());
        Assert.Equal(0, g[1].abs().sum().item<float>());
        Assert.True(g[2].abs().sum().item<float>() > 0);
        Assert.True(g[3].abs().sum().item<float>() > 0);
    }
}
