using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vrm.IntegrationTests.Fixtures;
using Vrm.Orchestrator.Contracts.Runs;
using Xunit.Abstractions;

namespace Vrm.IntegrationTests;

/// <summary>
/// Issue 6: a real Prometheus (Debian's <c>prometheus</c>) scrapes every role of a short real run — separate
/// <c>vrm orchestrator</c> (Redis), <c>reward</c>, <c>learner</c> and two <c>worker</c> processes training the tiny
/// policy with evaluation, KL and asynchronous weight pushes — and every query of every panel of
/// k8s/dashboards/vrm.json must return data over the run, as Grafana would ask for it (a range query over the
/// dashboard's time window). Orleans' own meters must reach Prometheus too.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class PrometheusDashboardTests(ITestOutputHelper output)
{
    private const int Steps = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Every_dashboard_panel_query_returns_data_from_a_real_run()
    {
        var clock = Stopwatch.StartNew();
        var prometheus = Which("prometheus") ?? throw new InvalidOperationException("prometheus is not installed (build/test.sh installs it with apt)");
        var queries = DashboardQueries();
        Assert.True(queries.Count >= 15, $"dashboard has only {queries.Count} queries");

        await using var cluster = new ClusterProcesses("prometheus");
        var orchestratorStarted = cluster.StartOrchestrator();
        var reward = await cluster.StartReward();
        var orchestrator = await orchestratorStarted;
        // Every panel must mean something: evaluation during the run (eval accuracy per split), a reference
        // model (KL), one step of allowed staleness (workers sample ahead on pushed weights).
        var baseline = cluster.RunConfig(leaseSeconds: 10);
        var config = baseline with { EvalEvery = 2, Grpo = baseline.Grpo with { KlBeta = 0.04, MaxStaleness = 1 } };
        var runId = await cluster.SubmitRun("prometheus", Steps, config);
        var workers = new[] { cluster.StartWorker("w0", runId), cluster.StartWorker("w1", runId) };
        var learner = await cluster.StartLearner("learner", runId);
        var jobs = new (string Job, VrmProcess[] Processes)[]
        {
            ("vrm-orchestrator", [orchestrator]), ("vrm-reward", [reward]), ("vrm-learner", [learner]), ("vrm-worker", workers),
        };

        var dir = Directory.CreateTempSubdirectory("vrm-prom-");
        int port = LiveOrchestrator.FreePort();
        File.WriteAllText(Path.Combine(dir.FullName, "prometheus.yml"), PrometheusConfig(jobs));
        var psi = new ProcessStartInfo(prometheus) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"--config.file={dir.FullName}/prometheus.yml", $"--storage.tsdb.path={dir.FullName}/data", $"--web.listen-address=127.0.0.1:{port}" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var log = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            var from = DateTimeOffset.UtcNow;
            var final = await cluster.WaitForRun(runId, s => s.Status == RunStatus.Succeeded, Timeout, "SUCCEEDED");
            Assert.Equal(Steps, final.Step);
            output.WriteLine($"run {runId} SUCCEEDED at step {final.Step}, {clock.Elapsed.TotalSeconds:F0} s into the test");

            // The run is over; give Prometheus its last scrapes (1 s interval), then ask as Grafana would.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            var missing = queries.ToList();
            var found = new Dictionary<(string Panel, string Expr), List<Dictionary<string, string>>>();
            while (true)
            {
                await Task.Delay(1000);
                var still = new List<(string Panel, string Expr)>();
                foreach (var q in missing)
                {
                    var series = await QueryRange(http, q.Expr, from);
                    if (series is null || series.Count == 0) still.Add(q);
                    else found[q] = series;
                }
                missing = still;
                if (missing.Count == 0 || DateTime.UtcNow > deadline) break;
            }
            foreach (var q in queries.Where(found.ContainsKey))
                output.WriteLine($"{q.Panel}: {q.Expr} ← {string.Join(", ", found[q].Select(s => s.GetValueOrDefault("job", "(aggregated)")).Distinct().Order())}");
            Assert.True(missing.Count == 0, $"panels without data over the run ({missing.Count} of {queries.Count} queries): " +
                string.Join("; ", missing.Select(m => $"{m.Panel}: {m.Expr}")) + $"\n{cluster.Tails()}");

            // The data is this run's, not merely present: values the run's configuration fixes.
            List<Dictionary<string, string>> Series(string expr) => found.Single(kv => kv.Key.Expr == expr).Value;
            double Max(string expr) => Series(expr).Max(s => double.Parse(s["__max"], CultureInfo.InvariantCulture));
            // found[] holds each query's first answer, which may predate the last step: the final step's report can reach
            // Prometheus a scrape after the run's status reads SUCCEEDED. Re-ask for the version until it shows the last step.
            var versionKey = found.Keys.Single(k => k.Expr == "vrm_policy_version");
            var versionDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (Max("vrm_policy_version") < Steps && DateTime.UtcNow < versionDeadline)
            {
                await Task.Delay(1000);
                found[versionKey] = await QueryRange(http, "vrm_policy_version", from) ?? found[versionKey];
            }
            Assert.Equal(["ood", "test"], Series("vrm_eval_accuracy").Select(s => s.GetValueOrDefault("split")).OfType<string>().Distinct().Order());
            Assert.Superset(new HashSet<string> { "sample", "reference", "update", "publish" },
                Series("vrm_step_duration_seconds").Select(s => s.GetValueOrDefault("phase")).OfType<string>().ToHashSet());
            Assert.Equal(workers.Length, Max("vrm_workers_alive"));
            Assert.Equal(Steps, Max("vrm_policy_version"));
            Assert.InRange(Max("vrm_sample_staleness_steps"), 0, config.Grpo.MaxStaleness);

            // Every role was a live scrape target (a role whose /metrics never answered would feed nothing).
            var up = await QueryRange(http, "max_over_time(up[1m])", from) ?? [];
            foreach (var (job, processes) in jobs)
                foreach (var p in processes)
                {
                    string instance = $"127.0.0.1:{p.HttpPort}";
                    Assert.True(up.Any(s => s.GetValueOrDefault("instance") == instance && s.GetValueOrDefault("__max") == "1"),
                        $"{job} target {p.Name} at {instance} was never scraped successfully");
                }

            // Issue 6 item 4: Orleans' own meters, from the silo.
            var orleans = await QueryRange(http, "count by (__name__) ({__name__=~\"orleans_.+\", job=\"vrm-orchestrator\"})", from) ?? [];
            Assert.True(orleans.Count > 0, "no orleans_* series from the orchestrator reached Prometheus");
            output.WriteLine($"{orleans.Count} orleans_* series names from the orchestrator, e.g. " +
                string.Join(", ", orleans.Select(s => s.GetValueOrDefault("__name__")).Take(5)));
            output.WriteLine($"test {clock.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            File.WriteAllText(Path.Combine(cluster.LogDir, "prometheus.log"), await log);
            try { dir.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>(panel title, query) of every target of every panel of k8s/dashboards/vrm.json.</summary>
    private static List<(string Panel, string Expr)> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(LiveOrchestrator.RepoRoot(), "k8s", "dashboards", "vrm.json")));
        return dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
    }

    /// <summary>One scrape job per role, every process of the role a target; 1 s scrapes so a short run has many samples.</summary>
    private static string PrometheusConfig(IEnumerable<(string Job, VrmProcess[] Processes)> jobs)
    {
        var text = new System.Text.StringBuilder("""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:

            """);
        foreach (var (job, processes) in jobs)
        {
            var targets = processes.Select(p => $"'127.0.0.1:{p.HttpPort ?? throw new InvalidOperationException($"{p.Name} was started without an HTTP port")}'");
            text.Append($"  - job_name: {job}\n    static_configs:\n      - targets: [{string.Join(", ", targets)}]\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// The series a range query from <paramref name="from"/> to now (1 s step) returns, each as its labels (plus
    /// <c>__max</c>, its largest value); null while Prometheus is not answering yet.
    /// </summary>
    private static async Task<List<Dictionary<string, string>>?> QueryRange(HttpClient http, string expr, DateTimeOffset from)
    {
        string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", CultureInfo.InvariantCulture);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync($"/api/v1/query_range?query={Uri.EscapeDataString(expr)}&start={Unix(from.AddSeconds(-5))}&end={Unix(DateTimeOffset.UtcNow)}&step=1");
        }
        catch (HttpRequestException) { return null; } // still starting
        string body = await response.Content.ReadAsStringAsync();
        // A query Prometheus rejects is a broken panel, not a panel waiting for data.
        if (response.StatusCode is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.UnprocessableEntity)
            throw new InvalidOperationException($"Prometheus rejects the query {expr}: {body}");
        if (!response.IsSuccessStatusCode) return null;
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(series =>
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!);
            labels["__max"] = series.GetProperty("values").EnumerateArray()
                .Select(v => double.Parse(v[1].GetString()!, CultureInfo.InvariantCulture)).Max().ToString(CultureInfo.InvariantCulture);
            return labels;
        }).ToList();
    }

    public static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
