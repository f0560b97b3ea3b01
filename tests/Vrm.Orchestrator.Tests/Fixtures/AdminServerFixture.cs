using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Vrm.Orchestrator.Admin;
using Vrm.Orchestrator.Hosting;
using Vrm.Protos.Admin;

namespace Vrm.Orchestrator.Tests.Fixtures;

/// <summary>
/// The real `vrm orchestrator` server (OrchestratorHost.BuildServer: silo + HTTP + AdminService) on free
/// loopback ports with a known token, and authenticated / unauthenticated gRPC clients over real HTTP/2.
/// </summary>
public sealed class AdminServerFixture : IAsyncLifetime
{
    public const string Token = "test-admin-token-0123456789abcdef";
    private WebApplication? _app;
    private GrpcChannel? _channel;

    public SiloEndpoints Endpoints { get; private set; } = null!;
    public AdminOptions Admin { get; private set; } = null!;
    public IGrainFactory Grains => _app!.Services.GetRequiredService<IGrainFactory>();
    public string AdminUrl => $"http://127.0.0.1:{Admin.Port}";
    public string HttpUrl => $"http://127.0.0.1:{Endpoints.HttpPort}";

    public AdminService.AdminServiceClient Client(string? token = Token)
    {
        var invoker = _channel!.Intercept(m => { if (token is not null) m.Add("authorization", "Bearer " + token); return m; });
        return new AdminService.AdminServiceClient(invoker);
    }

    public async Task InitializeAsync()
    {
        Endpoints = SiloEndpoints.Embedded(EmbeddedSilo.FreePort(), EmbeddedSilo.FreePort(), EmbeddedSilo.FreePort());
        Admin = new AdminOptions(EmbeddedSilo.FreePort(), Token, null, null);
        _app = OrchestratorHost.BuildServer(Endpoints, r => { r.HeartbeatInterval = TimeSpan.FromMilliseconds(500); }, Admin);
        await _app.StartAsync();
        _channel = GrpcChannel.ForAddress(AdminUrl);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null) { await _app.StopAsync(); await _app.DisposeAsync(); }
    }
}

[CollectionDefinition(Name)]
public sealed class AdminServerCollection : ICollectionFixture<AdminServerFixture>
{
    public const string Name = "admin server";
}
