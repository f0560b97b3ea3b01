using System.Runtime;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Tests;

public sealed class OrchestratorGcTests
{
    [Fact]
    public void The_default_latency_mode_is_sustained_low_latency_and_the_variable_overrides_it()
    {
        Assert.Equal(GCLatencyMode.SustainedLowLatency, OrchestratorGc.Configured(null));
        Assert.Equal(GCLatencyMode.SustainedLowLatency, OrchestratorGc.Configured("  "));
        Assert.Equal(GCLatencyMode.Interactive, OrchestratorGc.Configured("interactive"));
        Assert.Equal(GCLatencyMode.Batch, OrchestratorGc.Configured(" Batch "));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("NoGCRegion")]
    [InlineData("42")]
    public void An_unknown_mode_is_refused_with_the_accepted_names(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => OrchestratorGc.Configured(value));
        Assert.Contains(OrchestratorGc.EnvironmentVariable, e.Message);
        Assert.Contains("SustainedLowLatency", e.Message);
    }
}
