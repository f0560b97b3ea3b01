using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Vrm.Data.ShapesWorld;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Hosting;
using Vrm.Policy;
using Vrm.Rewards.Service;

namespace Vrm.RolloutWorker.Tests;

/// <summary>
/// The real things a worker talks to, on loopback: an Orleans silo (production configuration, embedded mode) with a
/// client through its gateway, the RewardService, and a tiny ShapesWorld dataset loaded as an ExampleSet.
/// </summary>
public sealed class WorkerClusterFixture : IAsyncLifetime
{
    private IHost? _silo, _client;
    private WebApplication? _reward;
    private string? _dataDir;

    public IClusterClient Client => _client!.Client();
    public Uri RewardAddress => RewardServiceHost.LoopbackAddress(_reward!);
    public ExampleSet Data { get; private set; } = null!;
    public VrmTokenizer Tokenizer => VrmTokenizer.Default;

    public async Task InitializeAsync()
    {
        var endpoints = SiloEndpoints.Embedded(FreePort(), FreePort(), FreePort());
        _silo = OrchestratorHost.BuildSilo(endpoints, r => r.HeartbeatInterval = TimeSpan.FromSeconds(1));
        await _silo.StartAsync();
        _client = await OrchestratorClientBuilder.StartAsync(endpoints.Cluster);
        _reward = await RewardServiceHost.StartAsync(0, loopbackOnly: true);

        _dataDir = Directory.CreateTempSubdirectory("vrm-worker-test-").FullName;
        new ShapesWorldGenerator().Write(_dataDir, new ShapesWorldRequest(7, ["count"], new Dictionary<string, int> { ["train"] = 8 }));
        Data = ExampleSet.Load(_dataDir, "train", ["count"], TinyPolicy.Config().Vision, Tokenizer, PromptTemplate.Default);
    }

    public async Task DisposeAsync()
    {
        Data?.Dispose();
        if (_reward is not null) { await _reward.StopAsync(); await _reward.DisposeAsync(); }
        if (_client is not null) { await _client.StopAsync(); _client.Dispose(); }
        if (_silo is not null) { await _silo.StopAsync(); _silo.Dispose(); }
        if (_dataDir is not null) Directory.Delete(_dataDir, recursive: true);
    }

    public Task<RolloutWorkerHost> StartWorkerAsync(string workerId, string runId, int seed = 1, long version = 0, Uri? learner = null) =>
        RolloutWorkerHost.StartAsync(Client, workerId, runId, 0, "127.0.0.1", loopbackOnly: true, TinyPolicy.Create(seed), version,
            Data, Tokenizer, RewardAddress, learnerAddress: learner, maxBatch: 16,
            tune: o => o with { MaxIdleWait = TimeSpan.FromMilliseconds(100), HeartbeatPeriod = TimeSpan.FromMilliseconds(500) });

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class WorkerClusterCollection : ICollectionFixture<WorkerClusterFixture>
{
    public const string Name = "worker cluster";
}
