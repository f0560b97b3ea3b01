using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vrm.Orchestrator.Contracts.Telemetry;

namespace Vrm.Cli.Hosting;

/// <summary>
/// The HTTP/1.1 side port every role serves (conventions: VRM_HTTP_PORT, default 8080): <c>/metrics</c> in
/// Prometheus text (OpenTelemetry, the same exporter as the orchestrator, via <see cref="VrmTelemetry"/>) and
/// <c>/healthz</c>. The worker, reward and learner verbs start one beside their gRPC port; the orchestrator
/// serves the same two paths from its own web app. Lives in the composition root so the role libraries
/// (Rewards in particular) need not reference the orchestrator's telemetry.
/// </summary>
public static class RoleHttpEndpoint
{
    public const int DefaultPort = 8080;
    public const string PortVariable = "VRM_HTTP_PORT";
    /// <summary>.NET's built-in runtime meter (GC, thread pool, exceptions): cheap, always useful.</summary>
    public const string RuntimeMeter = "System.Runtime";

    public static Option<int?> CreateOption() => new("--http-port")
    {
        Description = $"HTTP/1.1 port for /metrics (Prometheus) and /healthz (env {PortVariable}, default {DefaultPort}; 0 = none)",
    };

    /// <summary>The flag, else VRM_HTTP_PORT, else 8080. 0 means: serve no HTTP port.</summary>
    public static int ResolvePort(int? flag, Func<string, string?>? environment = null)
    {
        if (flag is { } port) return Check(port, "--http-port");
        string? text = (environment ?? Environment.GetEnvironmentVariable)(PortVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultPort;
        return int.TryParse(text.Trim(), out int parsed) ? Check(parsed, PortVariable) : throw new ArgumentException($"{PortVariable}: '{text}' is not a port number");
    }

    private static int Check(int port, string source) =>
        port is >= 0 and <= 65535 ? port : throw new ArgumentException($"{source}: {port} is not a port (0..65535; 0 = no HTTP port)");

    /// <summary>
    /// Starts the endpoint for <paramref name="role"/> exporting <paramref name="meters"/> (plus the VRM, Orleans and
    /// runtime meters). Returns null when <paramref name="port"/> is 0. Dispose the app to stop it.
    /// </summary>
    public static async Task<WebApplication?> StartAsync(string role, int port, IEnumerable<string> meters, bool loopbackOnly = false,
        CancellationToken cancellationToken = default)
    {
        if (port == 0) return null;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            void Http1(ListenOptions l) => l.Protocols = HttpProtocols.Http1;
            if (loopbackOnly) k.Listen(IPAddress.Loopback, port, Http1);
            else k.ListenAnyIP(port, Http1);
        });
        builder.Services.AddVrmTelemetry(role, [.. meters, RuntimeMeter]);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapVrmMetrics();
        try { await app.StartAsync(cancellationToken); }
        catch { await app.DisposeAsync(); throw; }
        return app;
    }

    /// <summary>The port a started endpoint listens on.</summary>
    public static int BoundPort(WebApplication app)
    {
        foreach (string address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            int colon = address.LastIndexOf(':');
            if (colon >= 0 && int.TryParse(address.AsSpan(colon + 1).TrimEnd('/'), out int p) && p > 0) return p;
        }
        throw new InvalidOperationException("the HTTP endpoint reports no bound port: start it first");
    }
}
