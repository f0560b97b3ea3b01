using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Tests.Fixtures;

/// <summary>
/// An orchestrator silo in a child process (this test assembly's own Main with the "silo" verb,
/// configured only from VRM_* environment variables, as `vrm orchestrator` is), so a test can kill it
/// abruptly — the real failure the cluster must survive, not a graceful in-process stop.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    public const string ReadyLine = "VRM SILO READY";
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    public SiloProcess(IReadOnlyDictionary<string, string> environment)
    {
        var dll = typeof(SiloProcess).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", ["exec", dll, "silo"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_ready.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (done != _ready.Task) throw new TimeoutException($"silo process {Pid} did not start within {timeout.TotalSeconds} s (exited: {_process.HasExited}). Output:\n{Output}");
    }

    /// <summary>SIGKILL: no deactivation, no membership goodbye.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (line.Contains(ReadyLine)) _ready.TrySetResult();
    }
}

/// <summary>This assembly's entry point: only used by <see cref="SiloProcess"/> (the test runner does not call Main).</summary>
public static class SiloProcessProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["bench-control-plane", ..])
        {
            // Same runner as `vrm bench cluster --part control-plane`, without building the whole CLI.
            var workers = args.Length > 1 ? int.Parse(args[1]) : 256;
            var steps = args.Length > 2 ? int.Parse(args[2]) : 20;
            var r = await Simulation.ControlPlaneBenchmark.RunAsync(new Simulation.ControlPlaneBenchmarkOptions(Workers: workers, Steps: steps), CancellationToken.None);
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(r, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        if (args is not ["silo"])
        {
            Console.Error.WriteLine("usage: Vrm.Orchestrator.Tests silo   (a silo configured from VRM_* environment variables)");
            return 2;
        }
        var endpoints = SiloEndpoints.FromEnvironment();
        using var host = OrchestratorHost.BuildSilo(endpoints);
        await host.StartAsync();
        Console.WriteLine($"{SiloProcess.ReadyLine} silo {endpoints.SiloPort} gateway {endpoints.GatewayPort}");
        await host.WaitForShutdownAsync();
        return 0;
    }
}
