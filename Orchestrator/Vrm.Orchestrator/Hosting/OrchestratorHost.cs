using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using Orleans.Storage;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Admin;
using Vrm.Orchestrator.Contracts.Telemetry;
using Vrm.Orchestrator.Rollouts;
using Vrm.Orchestrator.Telemetry;
using Vrm.Orchestrator.Web;
using Vrm.Orchestrator.Workers;

namespace Vrm.Orchestrator.Hosting;

/// <summary>
/// The one place a silo is configured. Embedded mode: localhost clustering, in-memory grain storage
/// and reminders. Cluster mode (VRM_REDIS set): Redis clustering, grain storage and reminders, and
/// tightened membership probes so a killed silo is evicted in ~2 s instead of ~6 s (FINDINGS).
/// Grain state is stored in Orleans' binary format, not the default Newtonsoft JSON: profiled, the JSON
/// serializer was the largest single CPU cost of the control plane (every completion's groups pass
/// through grain storage once, even the in-memory one serialises).
/// </summary>
public static class OrchestratorHost
{
    /// <summary>The grain-storage provider every orchestrator grain persists to.</summary>
    public const string StorageName = "vrm";

    public static ISiloBuilder ConfigureSilo(ISiloBuilder silo, SiloEndpoints endpoints, Action<WorkerRegistryOptions>? registry = null)
    {
        if (endpoints.Validate() is { } error) throw new ArgumentException(error);
        var cluster = endpoints.Cluster;
        silo.Configure<ClusterOptions>(o => { o.ClusterId = cluster.ClusterId; o.ServiceId = cluster.ServiceId; });
        silo.Services.Configure<WorkerRegistryOptions>(o => registry?.Invoke(o));

        if (endpoints.InKubernetes)
        {
            // Only in a pod: UseKubernetesHosting refuses to start elsewhere (FINDINGS). It sets the
            // endpoints and cluster identity from POD_* / ORLEANS_* variables.
            silo.UseKubernetesHosting();
        }
        else
        {
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = endpoints.AdvertisedAddress;
                o.SiloPort = endpoints.SiloPort;
                o.GatewayPort = endpoints.GatewayPort;
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, endpoints.SiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, endpoints.GatewayPort);
            });
        }

        if (cluster.IsClusterMode)
        {
            var redis = OrchestratorClientBuilder.ParseRedis(cluster.Redis!);
            silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
            silo.AddRedisGrainStorage(StorageName, ob => ob.Configure<Serializer>((o, serializer) =>
            {
                o.ConfigurationOptions = redis;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
            silo.UseRedisReminderService(o => o.ConfigurationOptions = redis);
            silo.Configure<ClusterMembershipOptions>(TightenMembership);
        }
        else
        {
            silo.UseDevelopmentClustering(new IPEndPoint(IPAddress.Loopback, endpoints.SiloPort));
            silo.AddMemoryGrainStorage(StorageName, ob => ob.Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer)));
            silo.UseInMemoryReminderService();
        }
        return silo;
    }

    /// <summary>
    /// Probe faster and need one vote: a dead silo is declared after ~2 missed 1 s probes. One vote
    /// suffices because in a two-silo cluster only the survivor can vote.
    /// </summary>
    public static void TightenMembership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>A silo without HTTP (embedded `vrm train`, tests). Caller starts and disposes it.</summary>
    public static IHost BuildSilo(SiloEndpoints endpoints, Action<WorkerRegistryOptions>? registry = null)
        => Host.CreateDefaultBuilder()
            .UseOrleans(s => ConfigureSilo(s, endpoints, registry))
            .ConfigureLogging(QuietOrleans)
            .Build();

    /// <summary>
    /// The `vrm orchestrator` process: a silo plus an HTTP/1.1 endpoint with /healthz, /dashboard
    /// (Orleans dashboard), /metrics (Prometheus), /runs/{id} (live run page; JSON at /api/runs/{id}),
    /// and the AdminService gRPC on its own HTTP/2 port when an admin token is configured.
    /// </summary>
    public static WebApplication BuildServer(SiloEndpoints endpoints, Action<WorkerRegistryOptions>? registry = null, AdminOptions? admin = null)
    {
        admin ??= AdminOptions.FromEnvironment();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true);
        QuietOrleans(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(endpoints.HttpPort, l => l.Protocols = HttpProtocols.Http1));
        builder.UseOrleans(s =>
        {
            ConfigureSilo(s, endpoints, registry);
            s.AddDashboard();
        });
        builder.Services.AddVrmTelemetry("orchestrator", OrchestratorMetrics.MeterName, RunMetricsBoard.MeterName);
        AdminServer.Add(builder, admin, endpoints.Cluster);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapVrmMetrics();
        RunPage.Map(app);
        AdminServer.Map(app, admin);
        app.MapOrleansDashboard("/dashboard");
        return app;
    }

    private static void QuietOrleans(ILoggingBuilder logging)
    {
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Orleans", LogLevel.Warning);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning); // Orleans placement logs every attempt at Information
    }
}
