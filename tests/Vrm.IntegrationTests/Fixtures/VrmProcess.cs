using System.Diagnostics;

namespace Vrm.IntegrationTests.Fixtures;

/// <summary>
/// One role of the built <c>vrm</c> executable (<c>dotnet exec vrm.dll &lt;verb&gt; …</c>) as a child process. Every
/// stdout/stderr line goes, timestamped, to a log file kept for post-mortem and to memory for the test to wait on.
/// <see cref="Kill"/> is SIGKILL: no drain, no goodbye — the failure the cluster must survive.
/// </summary>
public sealed class VrmProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StreamWriter _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _closed; // under the _log lock: late output lines after Dispose are dropped

    public string Name { get; }
    public string LogPath { get; }
    public int Pid { get; }
    /// <summary>The port this role serves /metrics and /healthz on (its VRM_HTTP_PORT), when it was given one.</summary>
    public int? HttpPort { get; }

    public VrmProcess(string name, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        Name = name;
        LogPath = logPath;
        var dll = Path.Combine(AppContext.BaseDirectory, "vrm.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"vrm.dll is not in the test output folder {AppContext.BaseDirectory}", dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Framework chatter off the console, but keep warnings: the logs are for post-mortem.
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        if (environment.TryGetValue("VRM_HTTP_PORT", out var http) && int.TryParse(http, out int httpPort) && httpPort > 0) HttpPort = httpPort;
        _log = new StreamWriter(new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        _log.WriteLine($"# {name}: dotnet exec vrm.dll {string.Join(' ', args)}");
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => OnLine("out", e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine("err", e.Data);
        _process.Start();
        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output { get { lock (_lines) return string.Join('\n', _lines); } }
    public string Tail(int lines = 40) { lock (_lines) return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines))); }

    public bool Contains(string text) { lock (_lines) return _lines.Any(l => l.Contains(text, StringComparison.Ordinal)); }

    /// <summary>The first output line containing <paramref name="text"/>; fails when the process exits or the time is up.</summary>
    public async Task<string> WaitForLine(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_lines)
            {
                var hit = _lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (hit is not null) return hit;
            }
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} (pid {Pid}) exited with {_process.ExitCode} before printing '{text}'. Log {LogPath}, last lines:\n{Tail()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{Name} (pid {Pid}) did not print '{text}' within {timeout.TotalSeconds:0} s. Log {LogPath}, last lines:\n{Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL (kill -9).</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
        lock (_log) if (!_closed) _log.WriteLine($"# {_clock.Elapsed.TotalSeconds,8:F2} killed with SIGKILL by the test");
    }

    /// <summary>SIGSTOP / SIGCONT: freeze the process where it stands (it keeps its sockets and leases), or let it go on.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Pid.ToString()]) { UseShellExecute = false })!;
        kill.WaitForExit(5_000);
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {Pid} failed with {kill.ExitCode}");
    }

    private void OnLine(string stream, string? line)
    {
        if (line is null) return;
        lock (_lines) _lines.Add(line);
        lock (_log) if (!_closed) _log.WriteLine($"{_clock.Elapsed.TotalSeconds,8:F2} {stream} {line}");
    }

    public void Dispose()
    {
        try { Kill(); }
        catch (InvalidOperationException) { } // never started or already reaped
        _process.Dispose();
        lock (_log) { _closed = true; _log.Dispose(); }
    }
}
