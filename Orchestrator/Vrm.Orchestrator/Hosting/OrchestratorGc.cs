using System.Runtime;

namespace Vrm.Orchestrator.Hosting;

/// <summary>
/// The orchestrator process's GC latency mode. The `vrm` executable is shared by every role, so
/// runtimeconfig GC settings (workstation, concurrent — see Cli/vrm.csproj) are the same for all; the
/// latency mode is the one GC knob a process can set for itself after start, so the orchestrator role
/// (and the control-plane benchmark that stands in for it) sets it here.
/// VRM_GC_LATENCY_MODE = Batch | Interactive | LowLatency | SustainedLowLatency overrides the default
/// (for A/B runs); an unknown value is an error naming the accepted ones.
/// </summary>
public static class OrchestratorGc
{
    public const string EnvironmentVariable = "VRM_GC_LATENCY_MODE";

    /// <summary>SustainedLowLatency: full blocking collections only under memory pressure; gen2 work runs in the background.</summary>
    public const GCLatencyMode DefaultMode = GCLatencyMode.SustainedLowLatency;

    /// <summary>Apply the configured mode; returns the mode now in effect.</summary>
    public static GCLatencyMode Apply()
    {
        var mode = Configured(Environment.GetEnvironmentVariable(EnvironmentVariable));
        GCSettings.LatencyMode = mode;
        return GCSettings.LatencyMode;
    }

    public static GCLatencyMode Configured(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return DefaultMode;
        if (Enum.TryParse<GCLatencyMode>(value.Trim(), ignoreCase: true, out var mode) && mode != GCLatencyMode.NoGCRegion && Enum.IsDefined(mode))
            return mode;
        throw new ArgumentException($"{EnvironmentVariable}='{value}' is not a GC latency mode (use Batch, Interactive, LowLatency or SustainedLowLatency)");
    }
}
