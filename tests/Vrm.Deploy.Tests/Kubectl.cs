using System.Diagnostics;

namespace Vrm.Deploy.Tests;

/// <summary>
/// The real `kubectl kustomize` (kustomize v5 inside kubectl ≥ 1.27). Found at $VRM_KUBECTL (which
/// build/test.sh sets when it had to fetch kubectl) or on PATH. No fallback renderer: a render that
/// did not happen must fail the test, not pass it.
/// </summary>
public static class Kubectl
{
    public static string Path { get; } = Locate();

    static string Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("VRM_KUBECTL");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (!File.Exists(fromEnv)) throw new FileNotFoundException($"VRM_KUBECTL={fromEnv} does not exist");
            return fromEnv;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(dir, "kubectl");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("kubectl not found on PATH and VRM_KUBECTL not set; build/test.sh installs it");
    }

    /// <summary>Renders a kustomization directory; throws with kubectl's own message on failure.</summary>
    public static string Kustomize(string directory)
    {
        var (code, stdout, stderr) = Run("kustomize", directory);
        if (code != 0)
            throw new InvalidOperationException($"kubectl kustomize {directory} failed ({code}): {stderr.Trim()}");
        return stdout;
    }

    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Path}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"kubectl {string.Join(' ', args)} took over 60 s"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
