using Vrm.Orchestrator.Simulation;

namespace Vrm.Orchestrator.Tests;

/// <summary>The simulated workers and learner drive a real silo: every group reaches the learner exactly once.</summary>
public class SimulatedClusterTests
{
    [Fact]
    public async Task Simulated_workers_complete_every_step_exactly_once_through_version_changes()
    {
        // Synchronous mode: each step needs the next policy version, so workers must "pull" weights.
        var result = await ControlPlaneBenchmark.RunAsync(new ControlPlaneBenchmarkOptions(
            Workers: 16, Steps: 4, PromptsPerStep: 48, GroupSize: 2, PromptsPerAssignment: 2, MaxStaleness: 0,
            Latency: LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(2), 0.5).WithTail(0.05, TimeSpan.FromMilliseconds(20), 0.3),
            WarmupSteps: 0), // every step measured, so the counts below are exact
            CancellationToken.None);
        Assert.Equal(0, result.ExactlyOnceViolations);
        Assert.Equal(4 * 48, result.GroupsTaken);
        Assert.Equal(4 * 24, result.Assignments);
        Assert.True(result.WeightPulls >= 16, $"expected every worker to pull a newer version at least once, saw {result.WeightPulls} pulls");
        Assert.True(result.AssignmentsPerSecond > 0);
    }

    [Fact]
    public void Latency_distribution_has_the_requested_median_and_a_long_tail()
    {
        var d = LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(10), 0.5).WithTail(0.05, TimeSpan.FromMilliseconds(200), 0.3);
        var rng = new Random(7);
        var samples = Enumerable.Range(0, 20_000).Select(_ => d.Sample(rng).TotalMilliseconds).Order().ToArray();
        var median = samples[samples.Length / 2];
        Assert.InRange(median, 9.0, 11.5); // the tail shifts the mixture median only slightly
        Assert.True(samples[(int)(samples.Length * 0.99)] > 100, "the 5 % tail must show in p99");
        Assert.InRange(samples.Average(), d.MeanMilliseconds * 0.93, d.MeanMilliseconds * 1.07);
        Assert.NotNull(LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(1), -1).Validate());
    }
}
