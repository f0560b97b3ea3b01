using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Vrm.Cli.Hosting;
using Vrm.Rewards;
using Vrm.Rewards.Service;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm reward</c>: the RewardService and gRPC health on one cleartext HTTP/2 endpoint (the container
/// entrypoint of the reward role). The port comes from --port, else VRM_REWARD_PORT, else 7200.
/// </summary>
public static class RewardCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port") { Description = $"gRPC port, HTTP/2 cleartext (env {RewardServiceHost.PortVariable}, default {RewardServiceHost.DefaultPort}; 0 = any free port)" };
        var timeBound = new Option<int?>("--time-bound-ms") { Description = $"CPU-time bound per scored item in milliseconds (default {CompositeReward.DefaultTimeBound.TotalMilliseconds:0})" };
        var maxItems = new Option<int?>("--max-items") { Description = $"most items one Score call may carry (default {new RewardServiceOptions().MaxItems})" };
        var loopback = new Option<bool>("--loopback") { Description = "listen on 127.0.0.1 only instead of every interface" };
        var httpPort = RoleHttpEndpoint.CreateOption();

        var cmd = new Command("reward", "Serve the RewardService (gRPC): scores completions for correctness and format");
        foreach (var o in new Option[] { port, timeBound, maxItems, loopback, httpPort }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            WebApplication app;
            int metricsPort;
            try
            {
                metricsPort = RoleHttpEndpoint.ResolvePort(pr.GetValue(httpPort));
                int resolvedPort = RewardServiceHost.ResolvePort(pr.GetValue(port));
                var options = new RewardServiceOptions();
                if (pr.GetValue(timeBound) is { } ms) options = options with { ItemTimeBound = TimeSpan.FromMilliseconds(ms) };
                if (pr.GetValue(maxItems) is { } n) options = options with { MaxItems = n };
                app = RewardServiceHost.Build(resolvedPort, options, pr.GetValue(loopback));
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"vrm reward: {e.Message}");
                return 2;
            }
            await using (app)
            {
                await app.StartAsync(ct);
                await using var http = await RoleHttpEndpoint.StartAsync("reward", metricsPort, [RewardMetrics.MeterName], pr.GetValue(loopback), ct);
                await Console.Out.WriteLineAsync($"vrm reward: serving vrm.reward.RewardService and grpc.health.v1.Health on port {RewardServiceHost.BoundPort(app)} (HTTP/2 cleartext)" +
                    (http is null ? "" : $"; /metrics and /healthz on port {RoleHttpEndpoint.BoundPort(http)} (HTTP/1.1)"));
                await app.WaitForShutdownAsync(ct);
            }
            return 0;
        });
        return cmd;
    }
}
