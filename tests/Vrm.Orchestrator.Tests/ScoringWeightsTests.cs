using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Rewards;

namespace Vrm.Orchestrator.Tests;

/// <summary>ScoringWeights is RewardWeights' Orleans twin: one conversion each way, and RewardWeights' rule for a valid weight.</summary>
public class ScoringWeightsTests
{
    [Fact]
    public void Every_weight_survives_the_round_trip()
    {
        var weights = new RewardWeights(0.9, 0.4, 0.3, 0.2);
        var scoring = ScoringWeights.Of(weights);
        Assert.Equal(new ScoringWeights(0.9, 0.4, 0.3, 0.2), scoring);
        Assert.Equal(weights, scoring.ToRewardWeights());
    }

    [Theory]
    [InlineData(-1, 0, 0, 0, "Accuracy")]
    [InlineData(1, double.PositiveInfinity, 0, 0, "Format")]
    [InlineData(1, 0.5, double.NaN, 0, "Consistency")]
    [InlineData(1, 0.5, 0, -0.1, "Grounding")]
    public void A_bad_weight_is_named(double accuracy, double format, double consistency, double grounding, string name)
    {
        var problem = new ScoringWeights(accuracy, format, consistency, grounding).Validate();
        Assert.StartsWith($"weights: {name} must be finite and >= 0", problem);
        Assert.Null(new ScoringWeights(1, 0.5, 0, 0).Validate());
    }
}
