using System.Net;
using Vrm.Orchestrator.Contracts.Client;

namespace Vrm.Orchestrator.Hosting;

/// <summary>
/// Where one orchestrator silo listens. Several silos share a host when each has its own silo,
/// gateway and HTTP port and all share ClusterId/ServiceId (FINDINGS). Defaults per the role
/// conventions: VRM_SILO_PORT 11111, VRM_GATEWAY_PORT 30000, VRM_HTTP_PORT 8080; the address other
/// silos reach this one at is POD_IP, else VRM_ADVERTISE_HOST, else 127.0.0.1.
/// </summary>
public sealed record SiloEndpoints(ClusterEndpoints Cluster, int SiloPort, int HttpPort, IPAddress AdvertisedAddress, bool InKubernetes)
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultHttpPort = 8080;

    public int GatewayPort => Cluster.GatewayPort;

    /// <summary>Localhost clustering with in-memory storage: the embedded mode of <c>vrm train</c> and of tests.</summary>
    public static SiloEndpoints Embedded(int siloPort = DefaultSiloPort, int gatewayPort = ClusterEndpoints.DefaultGatewayPort, int httpPort = DefaultHttpPort)
        => new(new ClusterEndpoints("vrm", "vrm", null, gatewayPort), siloPort, httpPort, IPAddress.Loopback, false);

    public static SiloEndpoints FromEnvironment(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var cluster = ClusterEndpoints.FromEnvironment(env);
        var inPod = !string.IsNullOrWhiteSpace(env("POD_NAMESPACE"));
        var host = NonEmpty(env("POD_IP")) ?? NonEmpty(env("VRM_ADVERTISE_HOST")) ?? "127.0.0.1";
        if (!IPAddress.TryParse(host, out var address))
            throw new ArgumentException($"advertised address '{host}' (POD_IP / VRM_ADVERTISE_HOST) is not an IP address");
        return new SiloEndpoints(cluster,
            ClusterEndpoints.EnvPort(env, "VRM_SILO_PORT", DefaultSiloPort),
            ClusterEndpoints.EnvPort(env, "VRM_HTTP_PORT", DefaultHttpPort),
            address, inPod);
    }

    /// <summary>Bad combinations → a message naming them; null when valid.</summary>
    public string? Validate()
    {
        var ports = new[] { ("silo", SiloPort), ("gateway", GatewayPort), ("http", HttpPort) };
        var clash = ports.GroupBy(p => p.Item2).FirstOrDefault(g => g.Count() > 1);
        return clash is null ? null : $"ports clash: {string.Join(" and ", clash.Select(p => p.Item1))} both use {clash.Key}";
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
