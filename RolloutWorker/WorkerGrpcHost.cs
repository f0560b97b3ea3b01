using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker;

/// <summary>
/// The worker's gRPC endpoint: WeightSync (the learner pushes here) + the standard gRPC health service, on one
/// HTTP/2-only cleartext Kestrel endpoint (Http1AndHttp2 without TLS falls back to HTTP/1.1, FINDINGS.md). A learner's
/// push that announces the bulk path is served by <see cref="BulkPushConnection"/> on the same port (same wire format).
/// </summary>
public static class WorkerGrpcHost
{
    public const int DefaultPort = 7100;
    /// <summary>Largest gRPC message either way. Chunks are ≤ 16 MiB; the 4 MB default would refuse a 4 MB chunk (FINDINGS.md).</summary>
    public const int MaxMessageBytes = 64 << 20;
    /// <summary>Kestrel's SocketTransportOptions.UnsafePreferInlineScheduling for this host (env VRM_WORKER_INLINE_SCHEDULING=0 turns it off, for A/B).</summary>
    public static bool InlineScheduling { get; } = Environment.GetEnvironmentVariable("VRM_WORKER_INLINE_SCHEDULING") != "0";

    /// <summary>Flow-control windows sized for GB-scale pushes: Kestrel's defaults (1 MB / 768 KB) stall a fast sender.</summary>
    public static void ConfigureForBulkStreams(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestBodySize = null; // a push is one request body of the whole snapshot
        kestrel.Limits.Http2.InitialConnectionWindowSize = 32 << 20;
        kestrel.Limits.Http2.InitialStreamWindowSize = 32 << 20;
        kestrel.Limits.Http2.MaxFrameSize = (1 << 24) - 1;
        // Kestrel parses a frame only once all of it is buffered, and its connection pipe stops reading at
        // MaxRequestBufferSize (default 1 MiB): a 1 MiB+ DATA frame (WeightPushConnection) would wait forever.
        // The flow-control windows already bound what a learner may have in flight: allow them plus one largest frame.
        kestrel.Limits.MaxRequestBufferSize = (32 << 20) + (1 << 24);
    }

    public static WebApplication Build(int port, WorkerIdentity identity, PolicyHolder holder, bool loopbackOnly,
        Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            void Http2Only(ListenOptions listen)
            {
                listen.Protocols = HttpProtocols.Http2;
                // A learner's bulk push (announced in its SETTINGS) is served off the transport pipe; all else goes to Kestrel's HTTP/2.
                listen.Use(next => BulkPushConnection.Middleware(next, identity, holder,
                    () => kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger<BulkPushConnection>()));
            }
            if (loopbackOnly) kestrel.Listen(IPAddress.Loopback, port, Http2Only);
            else kestrel.ListenAnyIP(port, Http2Only);
            ConfigureForBulkStreams(kestrel);
        });
        // Pipe continuations run on the socket's I/O thread instead of hopping to the thread pool per read: a bulk push's
        // frames are parsed where they arrive. Safe here: every handler on this host is asynchronous and never blocks.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = InlineScheduling);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        BulkTransferMemoryPool.AddTo(builder.Services);
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(holder);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxMessageBytes;
            grpc.MaxSendMessageSize = MaxMessageBytes;
        });
        builder.Services.AddGrpcHealthChecks().AddCheck("weightsync", () => HealthCheckResult.Healthy());
        configure?.Invoke(builder);
        var app = builder.Build();
        var tracked = WorkerMetrics.Track(identity.WorkerId, holder);
        app.Lifetime.ApplicationStopped.Register(tracked.Dispose);
        app.MapGrpcService<WeightSyncService>();
        app.MapGrpcHealthChecksService();
        return app;
    }

    public static async Task<WebApplication> StartAsync(int port, WorkerIdentity identity, PolicyHolder holder, bool loopbackOnly,
        Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var app = Build(port, identity, holder, loopbackOnly, configure);
        try { await app.StartAsync(cancellationToken); }
        catch { await app.DisposeAsync(); throw; }
        return app;
    }

    /// <summary>The port a started host listens on (the real one when built with port 0).</summary>
    public static int BoundPort(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("the worker host has no server addresses: start it first");
        foreach (string address in addresses)
        {
            int colon = address.LastIndexOf(':');
            if (colon >= 0 && int.TryParse(address.AsSpan(colon + 1).TrimEnd('/'), out int p) && p > 0) return p;
        }
        throw new InvalidOperationException($"the worker host reports no bound port (addresses: {string.Join(", ", addresses)})");
    }
}
