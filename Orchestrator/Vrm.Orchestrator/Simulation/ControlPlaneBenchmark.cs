using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Simulation;

public sealed record ControlPlaneBenchmarkOptions(
    int Workers = 256,
    int Steps = 20,
    int PromptsPerStep = 1024,
    int GroupSize = 8,
    int PromptsPerAssignment = 1,
    int MaxStaleness = 2,
    int CompletionTokens = 8,
    LatencyDistribution? Latency = null,
    TimeSpan? LeaseDuration = null,
    string? Redis = null,
    int Seed = 1,
    int WarmupSteps = 20,
    bool SeparateCompleteAndLease = false,
    int MaxWarmupSteps = 400,
    bool SampleAllocations = false)
{
    /// <summary>Warm-up ends once the JIT used less than this share of one core over the last <see cref="JitQuietWindow"/> steps.</summary>
    public const double JitQuietShare = 0.03;
    public const int JitQuietWindow = 5;

    /// <summary>Median 10 ms, σ 0.5, plus a 2 % tail at median 100 ms: the orchestrator, not the workers, limits throughput.</summary>
    public static LatencyDistribution DefaultLatency { get; } =
        LatencyDistribution.LogNormal(TimeSpan.FromMilliseconds(10), 0.5).WithTail(0.02, TimeSpan.FromMilliseconds(100), 0.5);

    public LatencyDistribution EffectiveLatency => Latency ?? DefaultLatency;

    public string? Validate()
    {
        if (Workers <= 0) return $"--workers must be > 0 (got {Workers})";
        if (Steps <= 0) return $"--steps must be > 0 (got {Steps})";
        if (PromptsPerStep <= 0) return $"--prompts-per-step must be > 0 (got {PromptsPerStep})";
        if (GroupSize <= 0) return $"--group-size must be > 0 (got {GroupSize})";
        if (PromptsPerAssignment <= 0) return $"--prompts-per-assignment must be > 0 (got {PromptsPerAssignment})";
        if (MaxStaleness < 0) return $"--max-staleness must be ≥ 0 (got {MaxStaleness})";
        if (CompletionTokens <= 0) return $"--completion-tokens must be > 0 (got {CompletionTokens})";
        if (WarmupSteps < 0) return $"--warmup-steps must be ≥ 0 (got {WarmupSteps})";
        if (MaxWarmupSteps < WarmupSteps) return $"--max-warmup-steps must be ≥ --warmup-steps (got {MaxWarmupSteps} < {WarmupSteps})";
        return EffectiveLatency.Validate();
    }
}

public sealed record ControlPlaneBenchmarkResult(
    string Mode,
    int Workers,
    int Steps,
    int PromptsPerStep,
    int GroupSize,
    int PromptsPerAssignment,
    int MaxStaleness,
    string WorkerLatency,
    double WorkerLatencyMeanMs,
    long Assignments,
    double ElapsedSeconds,
    double AssignmentsPerSecond,
    double LeaseP50Ms,
    double LeaseP99Ms,
    double LeaseMaxMs,
    double AllLeaseCallsP99Ms,
    long LeaseCalls,
    long NoWorkPolls,
    long WeightPulls,
    long LeasesExpired,
    long GroupsTaken,
    int ExactlyOnceViolations,
    double IdealAssignmentsPerSecond,
    long StorageWrites,
    double SchedulerStorageWriteMs,
    double SchedulerLeaseBusyMs,
    double SchedulerCompleteBusyMs,
    string LoadAverageBefore,
    string LoadAverageAfter,
    bool MeetsBar,
    int WarmupSteps,
    double CpuMillisecondsPerAssignment,
    double CpuBoundAssignmentsPerSecond,
    long JournalPasses,
    long AssignmentsAbandoned,
    string WorkerCalls,
    long SegmentsCleared,
    double LongestJournalPassMs,
    int GcCollections,
    int Gen2Collections,
    int WarmupStepsRun,
    double AllocatedKbPerAssignment,
    double GcPauseMs,
    double JitMs,
    IReadOnlyList<AllocatedType>? AllocationsByType = null,
    string? Gc = null)
{
    public const double BarAssignmentsPerSecond = 5000;
    public const double BarLeaseP99Ms = 50;
}

/// <summary>
/// Control-plane benchmark: a real silo on loopback (in this process, reached through its TCP
/// gateway by a real Orleans client), N simulated workers and a simulated learner. Measures
/// assignments/s end to end and the round-trip latency of the Lease calls that returned work, after
/// at least <see cref="ControlPlaneBenchmarkOptions.WarmupSteps"/> untimed steps, and then until the JIT is quiet
/// (at most <see cref="ControlPlaneBenchmarkOptions.MaxWarmupSteps"/>): measured, the first seconds
/// of a fresh process run JIT-compiled-for-startup code (tier 0 + PGO instrumentation) and ran the
/// same load ~3× slower than fully optimised code — a long-running orchestrator never sees that.
/// Measured (session 5, perf): after the old fixed 4 warm-up steps the JIT still took ~15 % of the CPU and
/// most hot code ran at the instrumented PGO tier (process CPU 0.56–0.63 ms per assignment); after 40
/// it was 0.23–0.32 ms, and tier-1 recompiles still ran 30 s in. JitMs in the result says how much the
/// measured window still compiled; WarmupStepsRun how long the warm-up took.
/// Where the rest goes (session 5, quiet machine, after warm-up): ~0.23–0.25 ms process CPU and ~30 KiB
/// allocated per assignment; 31–35 GCs (5–7 gen2) with 0.8–1.0 s of pause in a ~3.5 s window — the lease
/// p99 (50–90 ms) is mostly those pauses. With DOTNET_GCgen0size=0x4000000 (env only; no runtimeconfig name)
/// the window had 9–11 GCs (3–4 gen2) and 0.63–0.82 s of pause; rate and p99 were inconclusive on a loaded
/// machine (4 interleaved pairs) — pauses fall less than counts because gen2 collections remain.
/// Session 7 (quiet, 60 measured steps): workstation GC spent ~2.5 s of a ~9 s window in GC pauses (p99 49–63 ms);
/// server GC (now the vrm executable's setting) ~0.8–1.0 s, p99 25–48 ms over six runs, 7,100–7,300 assignments/s.
/// gen0size 64 MiB, non-concurrent GC and TieredPGO off did not help; SustainedLowLatency vs Interactive made no
/// difference under server GC (p99 medians 44.2 vs 44.2 ms, 3 runs each). About a quarter of the bytes allocated
/// per call were Orleans' reference-tracking overflow tables; the rollout messages now suppress tracking.
/// Also reports the process's CPU time per assignment (silo + client + simulated workers together,
/// on this machine's cores), which a loaded shared machine does not distort the way wall-clock rates are.
/// </summary>
public static class ControlPlaneBenchmark
{
    public static async Task<ControlPlaneBenchmarkResult> RunAsync(ControlPlaneBenchmarkOptions o, CancellationToken ct)
    {
        if (o.Validate() is { } error) throw new ArgumentException(error);
        var loadBefore = LoadAverage();
        // The GC the measurement ran under: the lease p99 is mostly GC pauses, so it matters which (see vrm.csproj).
        var gc = $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, latency mode {System.Runtime.GCSettings.LatencyMode}, gen0size {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "default"}";
        var cluster = new ClusterEndpoints(o.Redis is null ? "vrm" : $"bench-{Guid.NewGuid():N}", "vrm-bench", o.Redis, FreePort());
        var endpoints = new SiloEndpoints(cluster, FreePort(), FreePort(), IPAddress.Loopback, false);
        using var sampler = o.SampleAllocations ? new AllocationSampler() : null;
        using var silo = OrchestratorHost.BuildSilo(endpoints);
        await silo.StartAsync(ct);
        try
        {
            using var clientHost = await OrchestratorClientBuilder.StartAsync(cluster, ct);
            var grains = clientHost.Client();
            var runId = $"bench-{Guid.NewGuid():N}";
            var scheduler = grains.GetGrain<IRolloutSchedulerGrain>(runId);
            await scheduler.Configure(new SchedulerSettings(o.MaxStaleness, o.LeaseDuration ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(2)));

            var workerOptions = new SimulatedWorkerOptions(o.EffectiveLatency, o.CompletionTokens, MaxNoWorkBackoff: TimeSpan.FromMilliseconds(20),
                SeparateCompleteAndLease: o.SeparateCompleteAndLease);
            var workers = Enumerable.Range(0, o.Workers)
                .Select(i => new SimulatedRolloutWorker(grains, runId, $"sim-{i:D4}", workerOptions, o.Seed * 100_003 + i)).ToArray();
            var learner = new SimulatedLearner(grains, runId, o.PromptsPerStep, o.GroupSize, o.PromptsPerAssignment, o.MaxStaleness);
            var assigned = new LatencyRecorder();
            var all = new LatencyRecorder();

            using var stopWorkers = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var workerTasks = workers.Select(w => Task.Run(() => w.RunAsync(assigned, all, stopWorkers.Token))).ToArray();
            var process = Process.GetCurrentProcess();
            var sw = Stopwatch.StartNew();
            long completedAtStart = 0;
            var cpuAtStart = process.TotalProcessorTime;
            var gcAtStart = GC.CollectionCount(0);
            var gen2AtStart = GC.CollectionCount(2);
            var allocatedAtStart = GC.GetTotalAllocatedBytes();
            var gcPauseAtStart = GC.GetTotalPauseDuration();
            var jitAtStart = System.Runtime.JitInfo.GetCompilationTime();
            void StartMeasuring()
            {
                // Accepted completions so far are the warm-up's (workers count only accepted ones).
                completedAtStart = workers.Sum(w => w.Completed);
                assigned.Clear();
                all.Clear();
                process.Refresh();
                cpuAtStart = process.TotalProcessorTime;
                gcAtStart = GC.CollectionCount(0);
                gen2AtStart = GC.CollectionCount(2);
                allocatedAtStart = GC.GetTotalAllocatedBytes();
                gcPauseAtStart = GC.GetTotalPauseDuration();
                jitAtStart = System.Runtime.JitInfo.GetCompilationTime();
                sampler?.Start();
                sw.Restart();
            }
            // Warm-up: at least WarmupSteps, then until the JIT goes quiet (tier-1 recompiles of hot code lag
            // ~30 s behind on 2 busy cores — measured: still ~1,000 methods per 6 s at 30 s), at most MaxWarmupSteps.
            var measureFrom = o.WarmupSteps == 0 ? 0L : -1L;
            if (measureFrom == 0) StartMeasuring();
            var recent = new Queue<(TimeSpan Jit, long Ticks)>();
            recent.Enqueue((System.Runtime.JitInfo.GetCompilationTime(), Stopwatch.GetTimestamp()));
            await learner.RunAsync(o.MaxWarmupSteps + o.Steps, TimeSpan.FromMilliseconds(1), ct, step =>
            {
                if (measureFrom >= 0) return step >= measureFrom + o.Steps - 1;
                recent.Enqueue((System.Runtime.JitInfo.GetCompilationTime(), Stopwatch.GetTimestamp()));
                if (recent.Count > ControlPlaneBenchmarkOptions.JitQuietWindow + 1) recent.Dequeue();
                var (jit0, t0) = recent.Peek();
                var jitShare = (System.Runtime.JitInfo.GetCompilationTime() - jit0).TotalSeconds / Math.Max(1e-9, (double)(Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency);
                var quiet = recent.Count > ControlPlaneBenchmarkOptions.JitQuietWindow && jitShare < ControlPlaneBenchmarkOptions.JitQuietShare;
                if (step + 1 >= o.WarmupSteps && (quiet || step + 1 >= o.MaxWarmupSteps))
                {
                    StartMeasuring();
                    measureFrom = step + 1;
                }
                return false;
            });
            sw.Stop();
            sampler?.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuAtStart;
            // Where measured time went besides calls: GCs (gen0 count includes every gen) and JIT still tiering up.
            var gcCollections = GC.CollectionCount(0) - gcAtStart;
            var gen2Collections = GC.CollectionCount(2) - gen2AtStart;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedAtStart;
            var gcPause = GC.GetTotalPauseDuration() - gcPauseAtStart;
            var jit = System.Runtime.JitInfo.GetCompilationTime() - jitAtStart;
            await stopWorkers.CancelAsync();
            await Task.WhenAll(workerTasks);
            var stats = await scheduler.GetStats();
            // The client goes first: stopped the other way round, the silo's goodbye reached a disposed client (ObjectDisposedException logged).
            await clientHost.StopAsync(CancellationToken.None);

            var assignments = workers.Sum(w => w.Completed) - completedAtStart;
            var rate = assignments / sw.Elapsed.TotalSeconds;
            var p99 = assigned.PercentileMs(0.99);
            var cpuPerAssignment = cpu.TotalMilliseconds / Math.Max(1, assignments);
            return new ControlPlaneBenchmarkResult(
                o.Redis is null ? "embedded (in-memory storage)" : "cluster (Redis storage)",
                o.Workers, o.Steps, o.PromptsPerStep, o.GroupSize, o.PromptsPerAssignment, o.MaxStaleness,
                o.EffectiveLatency.ToString(), o.EffectiveLatency.MeanMilliseconds,
                assignments, sw.Elapsed.TotalSeconds, rate,
                assigned.PercentileMs(0.50), p99, assigned.PercentileMs(1.0), all.PercentileMs(0.99),
                all.Count, workers.Sum(w => w.NoWorkPolls), workers.Sum(w => w.WeightPulls), stats.LeasesExpired,
                learner.GroupsTaken, learner.ExactlyOnceViolations,
                o.Workers / (o.EffectiveLatency.MeanMilliseconds / 1000.0),
                stats.StorageWrites, stats.StorageWriteMilliseconds, stats.LeaseBusyMilliseconds, stats.CompleteBusyMilliseconds,
                loadBefore, LoadAverage(),
                rate >= ControlPlaneBenchmarkResult.BarAssignmentsPerSecond && p99 < ControlPlaneBenchmarkResult.BarLeaseP99Ms,
                o.WarmupSteps, cpuPerAssignment, Environment.ProcessorCount * 1000.0 / cpuPerAssignment,
                stats.JournalPasses, stats.AssignmentsAbandoned,
                o.SeparateCompleteAndLease ? "Lease + Complete (2 calls per assignment)" : "CompleteAndLease (1 call per assignment)",
                stats.SegmentsCleared, stats.LongestJournalPassMilliseconds, gcCollections, gen2Collections, (int)measureFrom, allocated / 1024.0 / Math.Max(1, assignments), gcPause.TotalMilliseconds, jit.TotalMilliseconds,
                sampler?.Top(25), gc);
        }
        finally
        {
            await silo.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The machine's 1/5/15-minute load: a shared 2-core box makes throughput figures meaningless without it.</summary>
    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
