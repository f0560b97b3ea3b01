using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Orleans;
using Vrm.Learner.Distributed;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Hosting;
using Vrm.Rewards.Service;

namespace Vrm.Cli.Embedded;

/// <summary>
/// Every role of the cluster in one process, talking the real protocols on loopback (DESIGN §5): an Orleans
/// silo with localhost clustering and in-memory storage, the reward service (gRPC), the learner's weight
/// source (gRPC) and publisher, and N rollout workers, each an Orleans client with its own WeightSync server
/// and its own model copy on its own torch thread.
/// </summary>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    public required WebApplication Silo { get; init; }
    public required SiloEndpoints Endpoints { get; init; }
    public required IHost LearnerClient { get; init; }
    public required WebApplication Reward { get; init; }
    public required Uri RewardUrl { get; init; }
    public required WebApplication WeightSourceApp { get; init; }
    public required WeightSourceServer WeightSource { get; init; }
    public required Uri LearnerUrl { get; init; }
    public required WeightPublisher Publisher { get; init; }
    public List<IAsyncDisposable> Workers { get; } = [];

    public IGrainFactory Grains => LearnerClient.Client();

    public static async Task<EmbeddedCluster> StartAsync(CancellationToken ct)
    {
        var endpoints = SiloEndpoints.Embedded(FreePort(), FreePort(), FreePort());
        var silo = OrchestratorHost.BuildServer(endpoints);
        await silo.StartAsync(ct);
        var client = await OrchestratorClientBuilder.StartAsync(endpoints.Cluster, ct);
        var reward = await RewardServiceHost.StartAsync(0, loopbackOnly: true, cancellationToken: ct);
        var source = new WeightSourceServer();
        var sourceApp = await WeightSourceHost.StartAsync(0, source, loopbackOnly: true, cancellationToken: ct);
        return new EmbeddedCluster
        {
            Silo = silo, Endpoints = endpoints, LearnerClient = client, Reward = reward, RewardUrl = RewardServiceHost.LoopbackAddress(reward),
            WeightSourceApp = sourceApp, WeightSource = source, LearnerUrl = WeightSourceHost.LoopbackAddress(sourceApp),
            Publisher = new WeightPublisher(client.Client()),
        };
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in Workers) await w.DisposeAsync();
        Publisher.Dispose();
        await WeightSourceApp.DisposeAsync();
        await Reward.DisposeAsync();
        await LearnerClient.StopAsync();
        LearnerClient.Dispose();
        await Silo.StopAsync();
        await Silo.DisposeAsync();
    }
}
