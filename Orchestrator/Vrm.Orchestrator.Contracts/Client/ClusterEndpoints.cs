namespace Vrm.Orchestrator.Contracts.Client;

/// <summary>
/// How an Orleans process (silo or client) finds the cluster. Flags override environment variables,
/// which override the defaults agreed across roles: VRM_CLUSTER_ID / VRM_SERVICE_ID ("vrm"),
/// VRM_REDIS (absent → localhost clustering), VRM_GATEWAY_PORT (30000; localhost clustering only).
/// </summary>
public sealed record ClusterEndpoints(string ClusterId, string ServiceId, string? Redis, int GatewayPort)
{
    public const int DefaultGatewayPort = 30000;

    public bool IsClusterMode => !string.IsNullOrWhiteSpace(Redis);

    public static ClusterEndpoints FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        return new ClusterEndpoints(
            NonEmpty(env("VRM_CLUSTER_ID")) ?? "vrm",
            NonEmpty(env("VRM_SERVICE_ID")) ?? "vrm",
            NonEmpty(env("VRM_REDIS")),
            EnvPort(env, "VRM_GATEWAY_PORT", DefaultGatewayPort));
    }

    internal static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>A port from an environment variable; a malformed value is an error naming the variable, never a silent default.</summary>
    public static int EnvPort(Func<string, string?> env, string name, int fallback)
    {
        var raw = NonEmpty(env(name));
        if (raw is null) return fallback;
        if (!int.TryParse(raw, out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"{name}='{raw}' is not a TCP port (1–65535)");
        return port;
    }
}
