using System.Text.Json;
using Vrm.IntegrationTests.Fixtures;

namespace Vrm.IntegrationTests;

/// <summary>
/// A real Prometheus (Debian's `prometheus`) scrapes the orchestrator's /metrics during a short simulated
/// run; every query of every panel of k8s/dashboards/vrm.json must return data.
/// </summary>
[Collection(LiveOrchestratorCollection.Name)]
public sealed class PrometheusDashboardTests(LiveOrchestrator live)
{
    [Fact]
    public async Task Every_dashboard_panel_query_returns_data()
    {
        var prometheus = Which("prometheus") ?? throw new InvalidOperationException("prometheus is not installed (build/test.sh installs it with apt)");
        var dir = Directory.CreateTempSubdirectory("vrm-prom-");
        var port = LiveOrchestrator.FreePort();
        File.WriteAllText(Path.Combine(dir.FullName, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: vrm-orchestrator
                static_configs:
                  - targets: ['127.0.0.1:{live.Endpoints.HttpPort}']
            """);
        var psi = new System.Diagnostics.ProcessStartInfo(prometheus) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--config.file={dir.FullName}/prometheus.yml", $"--storage.tsdb.path={dir.FullName}/data", $"--web.listen-address=127.0.0.1:{port}" }) psi.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var log = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(LiveOrchestrator.RepoRoot(), "k8s", "dashboards", "vrm.json")));
            var exprs = dashboard.RootElement.GetProperty("panels").EnumerateArray()
                .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
                .ToList();
            Assert.True(exprs.Count >= 15, $"dashboard has only {exprs.Count} queries");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            var missing = exprs.ToList();
            while (missing.Count > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                var still = new List<(string, string)>();
                foreach (var (panel, expr) in missing)
                {
                    try
                    {
                        var body = await http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(expr));
                        using var doc = JsonDocument.Parse(body);
                        if (doc.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() == 0) still.Add((panel, expr));
                    }
                    catch (HttpRequestException) { still.Add((panel, expr)); } // Prometheus still starting
                }
                missing = still;
            }
            Assert.True(missing.Count == 0, "panels without data after 60 s: " + string.Join("; ", missing.Select(m => $"{m.Item1}: {m.Item2}")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            File.WriteAllText(Path.Combine(LiveOrchestrator.ArtifactsDir(), "prometheus.log"), await log);
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
