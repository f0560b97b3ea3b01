using System.Diagnostics;
using System.Text;

namespace Vrm.Cli.Tests;

/// <summary>One role of the built <c>vrm</c> executable (vrm.dll in this test's output folder) as a child process; killed on dispose.</summary>
internal sealed class RoleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource<string> Seen)> _waits = [];

    private RoleProcess(Process process) => _process = process;

    public string Output { get { lock (_output) return _output.ToString(); } }

    public static RoleProcess Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "vrm.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"vrm.dll is not in the test output folder {AppContext.BaseDirectory}", dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = new RoleProcess(new Process { StartInfo = psi });
        p._process.OutputDataReceived += (_, e) => p.Take(e.Data);
        p._process.ErrorDataReceived += (_, e) => p.Take(e.Data);
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        return p;
    }

    private void Take(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (text, seen) in _waits) if (line.Contains(text, StringComparison.Ordinal)) seen.TrySetResult(line);
        }
    }

    public async Task<string> WaitForLine(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            foreach (var line in _output.ToString().Split('\n')) if (line.Contains(text, StringComparison.Ordinal)) return line.TrimEnd('\r');
            _waits.Add((text, seen));
        }
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first == seen.Task) return await seen.Task;
        throw new TimeoutException(first == exited
            ? $"the process exited with {_process.ExitCode} before printing '{text}':\n{Output}"
            : $"no '{text}' within {timeout.TotalSeconds:F0} s:\n{Output}");
    }

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
