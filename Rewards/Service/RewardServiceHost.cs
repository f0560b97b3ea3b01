using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vrm.Rewards.Service;

/// <summary>
/// Hosts the RewardService and the standard gRPC health service (<c>grpc.health.v1.Health</c>) on one
/// Kestrel endpoint. Used by <c>vrm reward</c> (all interfaces) and embedded in <c>vrm train</c> (loopback).
/// </summary>
public static class RewardServiceHost
{
    public const int DefaultPort = 7200;
    public const string PortVariable = "VRM_REWARD_PORT";

    /// <summary>The port to serve on: <paramref name="portOption"/> (--port), else <c>VRM_REWARD_PORT</c>, else 7200.</summary>
    public static int ResolvePort(int? portOption, Func<string, string?>? environment = null)
    {
        if (portOption is { } port) return CheckPort(port, "--port");
        string? fromEnvironment = (environment ?? Environment.GetEnvironmentVariable)(PortVariable);
        if (string.IsNullOrWhiteSpace(fromEnvironment)) return DefaultPort;
        if (!int.TryParse(fromEnvironment.Trim(), out int parsed))
            throw new ArgumentException($"{PortVariable}: '{fromEnvironment}' is not a port number");
        return CheckPort(parsed, PortVariable);
    }

    private static int CheckPort(int port, string source) =>
        port is >= 0 and <= 65535 ? port : throw new ArgumentOutOfRangeException(source, port, $"{source}: a port is 0..65535 (0 = any free port)");

    /// <summary>
    /// Builds (does not start) the host. Port 0 picks a free port; read it with <see cref="BoundPort"/> after start.
    /// </summary>
    /// <param name="loopbackOnly">Listen on 127.0.0.1 only (embedded mode) instead of every interface.</param>
    /// <param name="configure">Last word on the builder, e.g. logging levels.</param>
    public static WebApplication Build(int port, RewardServiceOptions? options = null, bool loopbackOnly = false,
        Action<WebApplicationBuilder>? configure = null)
    {
        var serviceOptions = (options ?? new RewardServiceOptions()).Validate();
        CheckPort(port, nameof(port));

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Cleartext gRPC needs an HTTP/2-only endpoint: Http1AndHttp2 without TLS falls back to
            // HTTP/1.1 and every call fails (FINDINGS.md).
            void Http2Only(ListenOptions listen) => listen.Protocols = HttpProtocols.Http2;
            if (loopbackOnly) kestrel.Listen(IPAddress.Loopback, port, Http2Only);
            else kestrel.ListenAnyIP(port, Http2Only);
            kestrel.Limits.MaxRequestBodySize = serviceOptions.MaxMessageBytes;
        });
        builder.Services.AddSingleton(serviceOptions);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = serviceOptions.MaxMessageBytes;
            grpc.MaxSendMessageSize = serviceOptions.MaxMessageBytes;
        });
        // The service is stateless: once it answers, it is healthy.
        builder.Services.AddGrpcHealthChecks().AddCheck("reward", () => HealthCheckResult.Healthy());
        configure?.Invoke(builder);

        var app = builder.Build();
        new CompositeReward(serviceOptions.DefaultWeights, serviceOptions.ItemTimeBound).WarmUp();
        app.MapGrpcService<RewardGrpcService>();
        app.MapGrpcHealthChecksService();
        return app;
    }

    /// <summary>Builds and starts the host; dispose the returned app (or StopAsync) to shut it down.</summary>
    public static async Task<WebApplication> StartAsync(int port, RewardServiceOptions? options = null, bool loopbackOnly = false,
        Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var app = Build(port, options, loopbackOnly, configure);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>The port a started host listens on (the real one when built with port 0).</summary>
    public static int BoundPort(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("the reward host has no server addresses: start it first");
        foreach (string address in addresses)
        {
            // Kestrel reports e.g. "http://127.0.0.1:41234" or "http://[::]:7200".
            int colon = address.LastIndexOf(':');
            if (colon >= 0 && int.TryParse(address.AsSpan(colon + 1).TrimEnd('/'), out int port) && port > 0) return port;
        }
        throw new InvalidOperationException($"the reward host reports no bound port (addresses: {string.Join(", ", addresses)})");
    }

    /// <summary>The loopback address a client in the same machine uses to reach a started host.</summary>
    public static Uri LoopbackAddress(WebApplication app) => new($"http://127.0.0.1:{BoundPort(app)}");
}
