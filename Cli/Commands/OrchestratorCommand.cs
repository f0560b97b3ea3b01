using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm orchestrator</c>: one Orleans silo (the container entrypoint of the control plane).
/// Every flag falls back to its environment variable, then to the role default; two or more silos
/// on one host need distinct silo, gateway and HTTP ports and the same cluster/service id.
/// </summary>
public static class OrchestratorCommand
{
    public static Command Create()
    {
        var redis = new Option<string?>("--redis") { Description = "StackExchange.Redis connection string for clustering, storage and reminders (env VRM_REDIS; absent → embedded: localhost clustering, in-memory storage)" };
        var clusterId = new Option<string?>("--cluster-id") { Description = "Orleans ClusterId (env VRM_CLUSTER_ID, default vrm)" };
        var serviceId = new Option<string?>("--service-id") { Description = "Orleans ServiceId (env VRM_SERVICE_ID, default vrm)" };
        var siloPort = new Option<int?>("--silo-port") { Description = "silo-to-silo port (env VRM_SILO_PORT, default 11111)" };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = "client gateway port (env VRM_GATEWAY_PORT, default 30000)" };
        var httpPort = new Option<int?>("--http-port") { Description = "HTTP/1.1 port for /healthz, /dashboard, /runs/{id} (env VRM_HTTP_PORT, default 8080)" };
        var adminPort = new Option<int?>("--admin-port") { Description = "AdminService gRPC port, HTTP/2 (env VRM_ADMIN_PORT, default 7000); served only when a token is set (VRM_ADMIN_TOKEN or VRM_ADMIN_TOKEN_FILE)" };
        var advertise = new Option<string?>("--advertise-host") { Description = "IP other silos reach this one at (env POD_IP, then VRM_ADVERTISE_HOST, default 127.0.0.1)" };

        var cmd = new Command("orchestrator", "Run an orchestrator silo: run, rollout-scheduler and worker-registry grains");
        foreach (var o in new Option[] { redis, clusterId, serviceId, siloPort, gatewayPort, httpPort, adminPort, advertise }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            // Flags win over environment variables: overlay them on the environment the hosting code reads.
            var flags = new Dictionary<string, string?>
            {
                ["VRM_REDIS"] = pr.GetValue(redis),
                ["VRM_CLUSTER_ID"] = pr.GetValue(clusterId),
                ["VRM_SERVICE_ID"] = pr.GetValue(serviceId),
                ["VRM_SILO_PORT"] = pr.GetValue(siloPort)?.ToString(),
                ["VRM_GATEWAY_PORT"] = pr.GetValue(gatewayPort)?.ToString(),
                ["VRM_HTTP_PORT"] = pr.GetValue(httpPort)?.ToString(),
                ["VRM_ADVERTISE_HOST"] = pr.GetValue(advertise),
                ["VRM_ADMIN_PORT"] = pr.GetValue(adminPort)?.ToString(),
            };
            Func<string, string?> env = name => flags.TryGetValue(name, out var v) && v is not null ? v : Environment.GetEnvironmentVariable(name);
            SiloEndpoints endpoints;
            Vrm.Orchestrator.Admin.AdminOptions admin;
            try
            {
                endpoints = SiloEndpoints.FromEnvironment(env);
                admin = Vrm.Orchestrator.Admin.AdminOptions.FromEnvironment(env);
                if (endpoints.Validate() is { } error) throw new ArgumentException(error);
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"vrm orchestrator: {e.Message}");
                return 2;
            }
            var app = OrchestratorHost.BuildServer(endpoints, admin: admin);
            if (!admin.Enabled) await Console.Error.WriteLineAsync("vrm orchestrator: no admin token (VRM_ADMIN_TOKEN / VRM_ADMIN_TOKEN_FILE): the AdminService is not served");
            await Console.Out.WriteLineAsync(
                $"vrm orchestrator: cluster '{endpoints.Cluster.ClusterId}' ({(endpoints.Cluster.IsClusterMode ? "Redis" : "embedded")}), " +
                $"silo {endpoints.SiloPort}, gateway {endpoints.GatewayPort}, http {endpoints.HttpPort}" + (admin.Enabled ? $", admin {admin.Port}{(admin.UseTls ? " (TLS)" : "")}" : ""));
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return cmd;
    }
}
