using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Vrm.Orchestrator.Simulation;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm bench cluster --part NAME</c>: distributed-system benchmarks. Each part is one entry in
/// <see cref="Parts"/> (its options are added to the command, its runner writes
/// artifacts/bench/cluster-NAME.json); weight-push and train-overhead parts plug in the same way.
/// </summary>
public static class BenchClusterCommand
{
    private sealed record Part(string Name, string Description, Func<ParseResult, CancellationToken, Task<int>> Run);

    private static readonly Option<string> PartOption = new("--part") { Description = "which part to run", DefaultValueFactory = _ => "control-plane" };
    private static readonly Option<string?> OutOption = new("--out") { Description = "JSON output (default artifacts/bench/cluster-PART.json)" };

    // --- control-plane options ---
    private static readonly Option<int> Workers = new("--workers") { Description = "simulated rollout workers", DefaultValueFactory = _ => 256 };
    private static readonly Option<int> Steps = new("--steps") { Description = "GRPO steps the simulated learner runs (measured)", DefaultValueFactory = _ => 20 };
    private static readonly Option<int> WarmupSteps = new("--warmup-steps") { Description = "untimed steps first, at least (JIT tiering: a fresh process runs 2–3× slower for its first seconds); warm-up then goes on until the JIT is quiet", DefaultValueFactory = _ => 20 };
    private static readonly Option<int> MaxWarmupSteps = new("--max-warmup-steps") { Description = "warm-up ends here even if the JIT is still busy", DefaultValueFactory = _ => 400 };
    private static readonly Option<int> PromptsPerStep = new("--prompts-per-step") { Description = "prompts B per step", DefaultValueFactory = _ => 1024 };
    private static readonly Option<int> GroupSize = new("--group-size") { Description = "completions G per prompt", DefaultValueFactory = _ => 8 };
    private static readonly Option<int> PerAssignment = new("--prompts-per-assignment") { Description = "prompts per assignment (1 = one assignment per group)", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> MaxStaleness = new("--max-staleness") { Description = "async depth k (backpressure cap k+1 steps); 0 = synchronous", DefaultValueFactory = _ => 2 };
    private static readonly Option<double> MedianMs = new("--latency-median-ms") { Description = "worker sampling time: lognormal median", DefaultValueFactory = _ => 10 };
    private static readonly Option<double> Sigma = new("--latency-sigma") { Description = "lognormal sigma", DefaultValueFactory = _ => 0.5 };
    private static readonly Option<double> TailProb = new("--tail-prob") { Description = "probability of a slow (tail) assignment", DefaultValueFactory = _ => 0.02 };
    private static readonly Option<double> TailMedianMs = new("--tail-median-ms") { Description = "tail lognormal median", DefaultValueFactory = _ => 100 };
    private static readonly Option<bool> SeparateCalls = new("--separate-complete") { Description = "workers call Complete then Lease (2 grain calls per assignment) instead of CompleteAndLease" };
    private static readonly Option<bool> AllocTypes = new("--alloc-types") { Description = "sample which types the measured window allocates (runtime GCAllocationTick events; in the JSON)" };
    private static readonly Option<string?> Redis = new("--redis") { Description = "run the silo with Redis clustering/storage (connection string) instead of in-memory" };

    private static readonly Part[] Parts =
    [
        new("control-plane", "assignments/s and lease latency, simulated workers against a real silo on loopback", RunControlPlane),
        new("train-overhead", "share of a real vrm train GRPO phase spent outside model compute", (pr, ct) => BenchTrainOverhead.Run(pr, pr.GetValue(OutOption), ct)),
    ];

    public static Command Create()
    {
        var cmd = new Command("cluster", "Cluster benchmarks: " + string.Join("; ", Parts.Select(p => $"{p.Name} — {p.Description}")));
        foreach (var o in new Option[] { PartOption, OutOption, Workers, Steps, WarmupSteps, MaxWarmupSteps, PromptsPerStep, GroupSize, PerAssignment, MaxStaleness, MedianMs, Sigma, TailProb, TailMedianMs, SeparateCalls, AllocTypes, Redis, BenchTrainOverhead.TrainSteps, BenchTrainOverhead.TrainWorkers, BenchTrainOverhead.TrainHome })
            cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var name = pr.GetValue(PartOption);
            var part = Parts.FirstOrDefault(p => p.Name == name);
            if (part is null)
            {
                await Console.Error.WriteLineAsync($"vrm bench cluster: unknown --part '{name}' (known: {string.Join(", ", Parts.Select(p => p.Name))})");
                return 2;
            }
            return await part.Run(pr, ct);
        });
        return cmd;
    }

    private static async Task<int> RunControlPlane(ParseResult pr, CancellationToken ct)
    {
        var options = new ControlPlaneBenchmarkOptions(
            pr.GetValue(Workers), pr.GetValue(Steps), pr.GetValue(PromptsPerStep), pr.GetValue(GroupSize),
            pr.GetValue(PerAssignment), pr.GetValue(MaxStaleness),
            Latency: LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(pr.GetValue(MedianMs)), pr.GetValue(Sigma))
                .WithTail(pr.GetValue(TailProb), TimeSpan.FromMilliseconds(pr.GetValue(TailMedianMs)), 0.5),
            Redis: pr.GetValue(Redis), WarmupSteps: pr.GetValue(WarmupSteps), SeparateCompleteAndLease: pr.GetValue(SeparateCalls),
            MaxWarmupSteps: pr.GetValue(MaxWarmupSteps), SampleAllocations: pr.GetValue(AllocTypes));
        if (options.Validate() is { } error)
        {
            await Console.Error.WriteLineAsync($"vrm bench cluster: {error}");
            return 2;
        }
        AnsiConsole.MarkupLine($"[grey]control plane: {options.Workers} simulated workers, ≥ {options.WarmupSteps} warm-up (until the JIT is quiet, ≤ {options.MaxWarmupSteps}) + {options.Steps} measured steps × {options.PromptsPerStep} prompts, worker latency {Markup.Escape(options.EffectiveLatency.ToString())}[/]");
        var r = await ControlPlaneBenchmark.RunAsync(options, ct);

        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned()).AddColumn("bar");
        table.AddRow("assignments/s", $"{r.AssignmentsPerSecond:F0}", $"≥ {ControlPlaneBenchmarkResult.BarAssignmentsPerSecond:F0}");
        table.AddRow("lease p50 (ms)", $"{r.LeaseP50Ms:F2}", "");
        table.AddRow("lease p99 (ms)", $"{r.LeaseP99Ms:F2}", $"< {ControlPlaneBenchmarkResult.BarLeaseP99Ms:F0}");
        table.AddRow("lease max (ms)", $"{r.LeaseMaxMs:F2}", "");
        table.AddRow("all lease calls p99 (ms)", $"{r.AllLeaseCallsP99Ms:F2}", "");
        table.AddRow("assignments", $"{r.Assignments}", "");
        table.AddRow("worker calls", Markup.Escape(r.WorkerCalls), "");
        table.AddRow("warm-up steps run", $"{r.WarmupStepsRun}", "");
        table.AddRow("elapsed (s)", $"{r.ElapsedSeconds:F2}", "");
        table.AddRow("worker-bound ideal (assignments/s)", $"{r.IdealAssignmentsPerSecond:F0}", "");
        table.AddRow("lease calls / no-work polls", $"{r.LeaseCalls} / {r.NoWorkPolls}", "");
        table.AddRow("version pulls / expired leases", $"{r.WeightPulls} / {r.LeasesExpired}", "");
        table.AddRow("scheduler busy lease / complete, journal wall (ms)", $"{r.SchedulerLeaseBusyMs:F0} / {r.SchedulerCompleteBusyMs:F0} / {r.SchedulerStorageWriteMs:F0} ({r.StorageWrites} writes in {r.JournalPasses} group commits)", "");
        table.AddRow("journal: longest pass (ms) / segments cleared", $"{r.LongestJournalPassMs:F1} / {r.SegmentsCleared}", "");
        table.AddRow("GCs (gen2) / GC pause / JIT in measured window (ms)", $"{r.GcCollections} ({r.Gen2Collections}) / {r.GcPauseMs:F0} / {r.JitMs:F0}", "");
        table.AddRow("GC", Markup.Escape(r.Gc ?? ""), "");
        table.AddRow("allocated per assignment (KiB, whole process)", $"{r.AllocatedKbPerAssignment:F1}", "");
        table.AddRow("process CPU per assignment (ms)", $"{r.CpuMillisecondsPerAssignment:F3}", "");
        table.AddRow("CPU-bound rate on all cores (assignments/s)", $"{r.CpuBoundAssignmentsPerSecond:F0}", "");
        table.AddRow("abandoned (poison) assignments", $"{r.AssignmentsAbandoned}", "");
        table.AddRow("load average before / after", $"{r.LoadAverageBefore} / {r.LoadAverageAfter}", "");
        table.AddRow("exactly-once violations", $"{r.ExactlyOnceViolations}", "0");
        table.AddRow("meets bar", r.MeetsBar ? "[green]yes[/]" : "[red]no[/]", "");
        AnsiConsole.Write(table);
        foreach (var t in r.AllocationsByType ?? [])
            AnsiConsole.MarkupLine($"[grey]allocated {t.Share,6:P1}  {Markup.Escape(t.Type)} ({t.Samples} samples)[/]");

        var path = pr.GetValue(OutOption) ?? Path.Combine("artifacts", "bench", "cluster-control-plane.json");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var json = JsonSerializer.Serialize(new { part = "control-plane", machine = new { Environment.ProcessorCount }, result = r },
            new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        await File.WriteAllTextAsync(path, json, ct);
        AnsiConsole.MarkupLine($"[grey]wrote {Markup.Escape(path)}[/]");
        return r.ExactlyOnceViolations == 0 ? 0 : 1;
    }
}
