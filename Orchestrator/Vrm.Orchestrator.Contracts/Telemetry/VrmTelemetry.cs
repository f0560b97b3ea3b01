using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Vrm.Orchestrator.Contracts.Telemetry;

/// <summary>
/// The one telemetry hookup every role calls (eShop's AddServiceDefaults idea): OpenTelemetry metrics
/// from the VRM meters, the caller's own meters and Orleans', exported in Prometheus text format on
/// <c>/metrics</c> of the role's HTTP/1.1 port.
/// </summary>
public static class VrmTelemetry
{
    /// <summary>Orleans' own meter (grain calls, messaging, activations).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    public static IServiceCollection AddVrmTelemetry(this IServiceCollection services, string role, params string[] meters)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService($"vrm-{role}"))
            .WithMetrics(m => m
                .AddMeter(OrleansMeter)
                .AddMeter(meters)
                .AddPrometheusExporter(o => o.DisableTotalNameSuffixForCounters = false));
        return services;
    }

    /// <summary>Serve the Prometheus scrape endpoint at /metrics.</summary>
    public static IEndpointRouteBuilder MapVrmMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
