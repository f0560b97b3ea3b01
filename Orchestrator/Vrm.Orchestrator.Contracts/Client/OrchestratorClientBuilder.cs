using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Vrm.Orchestrator.Contracts.Client;

/// <summary>
/// The one way workers, the learner and tools connect to the orchestrator as Orleans clients:
/// localhost clustering (embedded mode, gateway port) or Redis clustering (cluster mode, VRM_REDIS).
/// </summary>
public static class OrchestratorClientBuilder
{
    /// <summary>Configure an Orleans client on a host builder: <c>builder.UseOrleansClient(c => OrchestratorClientBuilder.Configure(c, endpoints))</c>.</summary>
    public static IClientBuilder Configure(IClientBuilder client, ClusterEndpoints endpoints)
    {
        client.Configure<ClusterOptions>(o => { o.ClusterId = endpoints.ClusterId; o.ServiceId = endpoints.ServiceId; });
        if (endpoints.IsClusterMode)
        {
            var redis = ParseRedis(endpoints.Redis!);
            client.UseRedisClustering(o => o.ConfigurationOptions = redis);
        }
        else
        {
            client.UseLocalhostClustering(endpoints.GatewayPort, endpoints.ServiceId, endpoints.ClusterId);
        }
        // A killed silo's gateway leaves the list quickly, so retries land on a live one (FINDINGS: eviction ~2.3 s).
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        return client;
    }

    /// <summary>Start a standalone client (for tools, tests and benchmarks). Dispose the returned host to disconnect.</summary>
    public static async Task<IHost> StartAsync(ClusterEndpoints endpoints, CancellationToken ct = default)
    {
        var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(c => Configure(c, endpoints))
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .Build();
        await host.StartAsync(ct);
        return host;
    }

    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();

    /// <summary>A StackExchange.Redis connection string; a malformed one is an error naming VRM_REDIS.</summary>
    public static ConfigurationOptions ParseRedis(string connection)
    {
        try
        {
            var options = ConfigurationOptions.Parse(connection);
            // Fail clearly when Redis is down instead of retrying forever in the background.
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
            return options;
        }
        catch (Exception e) when (e is ArgumentException or RedisConnectionException)
        {
            throw new ArgumentException($"VRM_REDIS='{connection}' is not a valid StackExchange.Redis connection string: {e.Message}", e);
        }
    }
}
