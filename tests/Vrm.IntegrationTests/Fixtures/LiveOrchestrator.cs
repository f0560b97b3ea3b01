using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Vrm.Orchestrator.Admin;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Hosting;
using Vrm.Orchestrator.Simulation;

namespace Vrm.IntegrationTests.Fixtures;

/// <summary>
/// The real orchestrator server (silo + HTTP + AdminService) on free loopback ports, with one run driven
/// by the simulated learner and simulated workers through the real grains (no model: the reported
/// values are statistics of simulated completions). Shared by the Prometheus and Chromium tests.
/// </summary>
public sealed class LiveOrchestrator : IAsyncLifetime
{
    public const string Token = "integration-admin-token-0123456789";
    private WebApplication? _app;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<Task> _drivers = [];

    public SiloEndpoints Endpoints { get; private set; } = null!;
    public AdminOptions Admin { get; private set; } = null!;
    public string HttpUrl => $"http://127.0.0.1:{Endpoints.HttpPort}";
    public string AdminUrl => $"http://127.0.0.1:{Admin.Port}";
    public string RunId { get; private set; } = "";
    public IGrainFactory Grains => _app!.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        Endpoints = SiloEndpoints.Embedded(FreePort(), FreePort(), FreePort());
        Admin = new AdminOptions(FreePort(), Token, null, null);
        _app = OrchestratorHost.BuildServer(Endpoints, r => r.HeartbeatInterval = TimeSpan.FromMilliseconds(500), Admin);
        await _app.StartAsync();
        var directory = Grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
        var run = await directory.Submit(new RunSpec("live", "{}", 1_000_000, 0, "live-" + Guid.NewGuid()), null);
        RunId = run.RunId;
        var learner = new SimulatedRunLearner(Grains, "live-learner", promptsPerStep: 4, groupSize: 4);
        _drivers.Add(learner.RunAsync(TimeSpan.FromMilliseconds(20), _cts.Token));
        for (var i = 0; i < 2; i++)
        {
            var w = new SimulatedRolloutWorker(Grains, RunId, $"live-w{i}",
                new SimulatedWorkerOptions(LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(20), 0.3), HeartbeatInterval: TimeSpan.FromMilliseconds(300)), i);
            _drivers.Add(w.RunAsync(null, null, _cts.Token));
        }
        // A few steps before anyone looks.
        var sw = Stopwatch.StartNew();
        while ((await Grains.GetGrain<IRunGrain>(RunId).Get()).Step < 5)
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the simulated run made no progress in 60 s");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await _cts.CancelAsync();
        foreach (var t in _drivers) { try { await t; } catch (OperationCanceledException) { } }
        if (_app is not null) { await _app.StopAsync(); await _app.DisposeAsync(); }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vrm.Distributed.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (Vrm.Distributed.sln) not found above " + AppContext.BaseDirectory);
    }

    public static string ArtifactsDir()
    {
        var d = Path.Combine(RepoRoot(), "artifacts", "test-results");
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>Run a program to completion; (exit code, stdout, stderr).</summary>
    public static async Task<(int Code, string Out, string Err)> Exec(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}"); }
        return (p.ExitCode, await stdout, await stderr);
    }
}

[CollectionDefinition(Name)]
public sealed class LiveOrchestratorCollection : ICollectionFixture<LiveOrchestrator>
{
    public const string Name = "live orchestrator";
}
