using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Vrm.Orchestrator.Contracts.Client;

namespace Vrm.Orchestrator.Admin;

/// <summary>
/// Adds the AdminService to the orchestrator's web host: its own HTTP/2-only port (cleartext gRPC
/// needs it, FINDINGS), TLS when configured, the bearer-token interceptor on AdminService only, and
/// the standard gRPC health service and server reflection (unauthenticated: probes and tooling).
/// </summary>
public static class AdminServer
{
    public static void Add(WebApplicationBuilder builder, AdminOptions admin, ClusterEndpoints cluster)
    {
        if (!admin.Enabled) return;
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(admin.Port, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            if (admin.UseTls) l.UseHttps(admin.LoadCertificate());
        }));
        builder.Services.AddSingleton(admin);
        builder.Services.AddSingleton(cluster);
        builder.Services.AddSingleton<AdminAuthInterceptor>();
        builder.Services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = false;
            o.MaxReceiveMessageSize = 4 * 1024 * 1024;
        }).AddServiceOptions<AdminGrpcService>(o => o.Interceptors.Add<AdminAuthInterceptor>());
        builder.Services.AddGrpcHealthChecks().AddCheck("orchestrator", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        builder.Services.AddGrpcReflection();
    }

    public static void Map(WebApplication app, AdminOptions admin)
    {
        if (!admin.Enabled) return;
        var host = $"*:{admin.Port}";
        app.MapGrpcService<AdminGrpcService>().RequireHost(host);
        app.MapGrpcHealthChecksService().RequireHost(host);
        app.MapGrpcReflectionService().RequireHost(host);
    }
}
