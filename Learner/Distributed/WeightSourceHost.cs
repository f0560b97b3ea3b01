using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Vrm.Learner.Distributed;

/// <summary>Serves a <see cref="WeightSourceServer"/> (+ gRPC health) on an HTTP/2-only cleartext endpoint (VRM_LEARNER_PORT).</summary>
public static class WeightSourceHost
{
    public static async Task<WebApplication> StartAsync(int port, WeightSourceServer source, bool loopbackOnly,
        Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            void Http2Only(ListenOptions listen) => listen.Protocols = HttpProtocols.Http2;
            if (loopbackOnly) kestrel.Listen(IPAddress.Loopback, port, Http2Only);
            else kestrel.ListenAnyIP(port, Http2Only);
            kestrel.Limits.Http2.MaxFrameSize = (1 << 24) - 1;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(source);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 64 << 20;
            grpc.MaxSendMessageSize = 64 << 20;
        });
        builder.Services.AddGrpcHealthChecks().AddCheck("weightsource", () => HealthCheckResult.Healthy());
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapGrpcService<WeightSourceServer>();
        app.MapGrpcHealthChecksService();
        try { await app.StartAsync(cancellationToken); }
        catch { await app.DisposeAsync(); throw; }
        return app;
    }

    public static Uri LoopbackAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (string address in addresses)
        {
            int colon = address.LastIndexOf(':');
            if (colon >= 0 && int.TryParse(address.AsSpan(colon + 1).TrimEnd('/'), out int p) && p > 0) return new Uri($"http://127.0.0.1:{p}");
        }
        throw new InvalidOperationException($"the weight source host reports no bound port (addresses: {string.Join(", ", addresses)})");
    }
}
