using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Tests.Fixtures;

/// <summary>
/// A real silo (the production OrchestratorHost configuration, embedded mode) on free loopback ports,
/// and a real Orleans client through its TCP gateway: every call crosses the serializer.
/// Heartbeats are configurable so liveness tests take a few seconds.
/// </summary>
public sealed class EmbeddedSilo : IAsyncLifetime
{
    public const int MissedHeartbeats = 2;

    // xunit fixtures need exactly one public constructor.
    public EmbeddedSilo() : this(TimeSpan.FromSeconds(1)) { }
    private EmbeddedSilo(TimeSpan heartbeatInterval) => HeartbeatInterval = heartbeatInterval;

    public static EmbeddedSilo WithHeartbeat(TimeSpan interval) => new(interval);

    /// <summary>Long enough that a loaded 2-core machine does not miss beats by accident.</summary>
    public TimeSpan HeartbeatInterval { get; }

    private IHost? _silo;
    private IHost? _client;

    public IClusterClient Client => _client!.Client();
    public IServiceProvider SiloServices => _silo!.Services;

    public async Task InitializeAsync()
    {
        var endpoints = SiloEndpoints.Embedded(FreePort(), FreePort(), FreePort());
        _silo = OrchestratorHost.BuildSilo(endpoints, r => { r.HeartbeatInterval = HeartbeatInterval; r.MissedHeartbeatsBeforeDead = MissedHeartbeats; });
        await _silo.StartAsync();
        _client = await OrchestratorClientBuilder.StartAsync(endpoints.Cluster);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null) { await _client.StopAsync(); _client.Dispose(); }
        if (_silo is not null) { await _silo.StopAsync(); _silo.Dispose(); }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class EmbeddedSiloCollection : ICollectionFixture<EmbeddedSilo>
{
    public const string Name = "embedded silo";
}
