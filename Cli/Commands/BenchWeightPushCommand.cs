using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Spectre.Console;
using Vrm.Learner.Distributed;
using Vrm.Policy;
using Vrm.RolloutWorker;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm bench weight-push</c>: pushes a synthetic snapshot (default 1 GiB) over gRPC WeightSync to 1, 2 and 4 worker
/// endpoints (real Kestrel servers on loopback, in this process) and compares with raw TCP loopback throughput of the
/// same bytes measured in the same run. Receivers do the full worker path: the learner's push announces the bulk path
/// (BulkPushConnection: frames parsed off Kestrel's transport pipe, payload copied once into the worker's reused receive
/// array, SHA-256 on its own thread right behind the copy, verified before staging); stock gRPC clients take Kestrel's
/// HTTP/2 path. The sender's digest is computed once when the snapshot is built, outside the timings, as a learner does.
/// After an unmeasured full-size warm-up, raw TCP and each 1-worker push configuration (--transports × --chunk-kib)
/// alternate within every repeat, so load from a neighbour hits them alike. Writes artifacts/bench/cluster-weight-push.json.
/// </summary>
public static class BenchWeightPushCommand
{
    private static readonly Option<int> SizeMib = new("--size-mib") { Description = "snapshot size in MiB", DefaultValueFactory = _ => 1024 };
    private static readonly Option<string> WorkerCounts = new("--workers") { Description = "comma-separated worker counts", DefaultValueFactory = _ => "1,2,4" };
    private static readonly Option<string> ChunkKib = new("--chunk-kib") { Description = "comma-separated gRPC chunk sizes (KiB) to try with 1 worker", DefaultValueFactory = _ => "1024" };
    private static readonly Option<int> Repeats = new("--repeats") { Description = "repeats of each measurement (the best is reported; all are in the JSON)", DefaultValueFactory = _ => 2 };
    private static readonly Option<string> Transports = new("--transports")
    {
        Description = "comma-separated push transports to compare with 1 worker: large-frames (WeightPushConnection), grpc-client (Grpc.Net.Client)",
        DefaultValueFactory = _ => "large-frames,grpc-client",
    };
    private static readonly Option<bool> Pull = new("--pull") { Description = "also measure workers pulling from the learner's WeightSource", DefaultValueFactory = _ => true };
    private static readonly Option<string> Out = new("--out") { Description = "JSON output", DefaultValueFactory = _ => "artifacts/bench/cluster-weight-push.json" };

    public static Command Create()
    {
        var cmd = new Command("weight-push", "Weight push over gRPC to 1/2/4 loopback workers vs raw TCP loopback throughput");
        foreach (var o in new Option[] { SizeMib, WorkerCounts, ChunkKib, Repeats, Transports, Pull, Out }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            int[] counts, chunks;
            WeightPushTransport[] transports;
            try
            {
                transports = pr.GetValue(Transports)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(t => t switch
                    {
                        "large-frames" => WeightPushTransport.LargeFrames,
                        "grpc-client" => WeightPushTransport.GrpcClient,
                        _ => throw new ArgumentException($"--transports: '{t}' is not large-frames or grpc-client"),
                    }).Distinct().ToArray();
                if (transports.Length == 0) throw new ArgumentException("--transports: name at least one");
                counts = ParseList(pr.GetValue(WorkerCounts)!, "--workers");
                chunks = ParseList(pr.GetValue(ChunkKib)!, "--chunk-kib");
                if (chunks.Any(c => c > 16 * 1024)) throw new ArgumentException("--chunk-kib: at most 16384 (16 MiB)");
                if (pr.GetValue(SizeMib) is < 1 or > 2000) throw new ArgumentException("--size-mib: 1..2000 (one array)");
                if (pr.GetValue(Repeats) < 1) throw new ArgumentException("--repeats: at least 1");
            }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"vrm bench weight-push: {e.Message}"); return 2; }
            return await RunAsync(pr.GetValue(SizeMib), counts, chunks, transports, pr.GetValue(Repeats), pr.GetValue(Pull), pr.GetValue(Out)!, ct);
        });
        return cmd;
    }

    private static int[] ParseList(string text, string name) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out int v) && v > 0 ? v : throw new ArgumentException($"{name}: '{s}' is not a positive integer")).ToArray();

    private sealed record Measurement(string Transport, int Workers, int ChunkKib, double[] Seconds, double BestSeconds, double MiBPerSecondPerWorker, double AggregateMiBPerSecond);

    private static async Task<int> RunAsync(int sizeMib, int[] workerCounts, int[] chunkKibs, WeightPushTransport[] transports, int repeats,
        bool pull, string outPath, CancellationToken ct)
    {
        long bytes = (long)sizeMib << 20;
        double gib = bytes / (double)(1L << 30);
        AnsiConsole.MarkupLine($"[grey]synthetic snapshot: {sizeMib} MiB; receivers in this process (Kestrel on 127.0.0.1); {Environment.ProcessorCount} cores shared by sender and receivers[/]");
        var snapshot = Synthetic(bytes);
        var results = new List<Measurement>();
        var sha256Seconds = new List<double>();
        var hashCatchUp = new Dictionary<string, double[]>();
        // Process CPU (all threads: sender, receiver, hashing) per GiB moved. Sender and receivers share this machine's
        // cores, so once both paths keep every core busy, push ÷ raw can be no better than raw's CPU ÷ push's CPU.
        var tcpCpu = new List<double>();
        var cpuPerGib = new Dictionary<string, double[]>();

        // --- gRPC WeightSync: full worker receive path (copy, incremental SHA-256, stage) ---
        int maxWorkers = workerCounts.Max();
        var holders = Enumerable.Range(0, maxWorkers).Select(i => new PolicyHolder("bench", null, 0)).ToArray();
        var hosts = new List<WebApplication>();
        try
        {
            for (int i = 0; i < maxWorkers; i++)
                hosts.Add(await WorkerGrpcHost.StartAsync(0, new WorkerIdentity($"bench-{i}"), holders[i], loopbackOnly: true, cancellationToken: ct));
            var targets = hosts.Select((h, i) => new WeightSyncTarget($"bench-{i}", new Uri($"http://127.0.0.1:{WorkerGrpcHost.BoundPort(h)}"))).ToArray();
            long version = 0;

            async Task<double> PushOnce(WeightPublisher publisher, SyntheticSnapshot what, int workers, List<double>? cpuSeconds = null)
            {
                var versioned = WeightSnapshot.FromParts(what.Header with { Version = ++version }, what.PayloadArray);
                var cpuBefore = ProcessCpuSeconds();
                var result = await publisher.PushAsync(versioned, "bench", targets.Take(workers).ToArray(), ct);
                cpuSeconds?.Add(ProcessCpuSeconds() - cpuBefore);
                if (!result.AllSucceeded)
                    throw new InvalidOperationException($"push to {workers} workers failed: {string.Join("; ", result.Failed.Select(f => $"{f.WorkerId}: {f.Error}"))}");
                foreach (var h in holders) h.SwapStaged(); // drops the staged payload (no model): frees the memory
                GC.Collect();
                return result.TotalSeconds;
            }
            WeightPublisher Publisher(WeightPushTransport transport, int chunkKib) =>
                new(options: new WeightPublisherOptions { MaxAttempts = 1, ChunkBytes = chunkKib << 10, Transport = transport });
            static string Label(WeightPushTransport t) => t == WeightPushTransport.LargeFrames ? "push:large-frames" : "push:grpc-client";

            // --- warm-up, unmeasured: JIT, first connections and first-touch memory out of the timings (a learner and its
            // workers are long-running). At full size: a worker keeps its receive array between versions
            // (WeightReceiveBuffers), and the first write to fresh memory in this VM ran at 150-300 MiB/s (page faults
            // backed lazily by the host), a one-off per worker that a steady-state figure must not include. ---
            await RawTcpSecondsAsync(snapshot.Payload, chunkKibs[0] << 10, ct);
            foreach (var t in transports)
                foreach (int chunk in chunkKibs)
                {
                    using var p = Publisher(t, chunk);
                    await PushOnce(p, snapshot, 1);
                }

            // --- raw TCP and every 1-worker push configuration alternate within each repeat: a neighbour's load hits them alike ---
            var configs = transports.SelectMany(t => chunkKibs.Select(c => (Transport: t, ChunkKib: c))).ToArray();
            var tcp = new List<double>();
            var pushSeconds = configs.ToDictionary(c => c, _ => new List<double>());
            var catchUp = configs.ToDictionary(c => c, _ => new List<double>());
            var pushCpu = configs.ToDictionary(c => c, _ => new List<double>());
            for (int r = 0; r < repeats; r++)
            {
                var cpuBefore = ProcessCpuSeconds();
                tcp.Add(await RawTcpSecondsAsync(snapshot.Payload, chunkKibs[0] << 10, ct));
                tcpCpu.Add(ProcessCpuSeconds() - cpuBefore);
                // SHA-256 of the same bytes on one thread (what the worker's hashing thread must keep up with), same minute.
                var hashClock = Stopwatch.StartNew();
                SHA256.HashData(snapshot.PayloadArray);
                sha256Seconds.Add(hashClock.Elapsed.TotalSeconds);
                foreach (var c in configs)
                {
                    using var p = Publisher(c.Transport, c.ChunkKib);
                    double waitedBefore = WeightPayloadSink.HashCatchUpSecondsTotal;
                    pushSeconds[c].Add(await PushOnce(p, snapshot, 1, pushCpu[c]));
                    catchUp[c].Add(WeightPayloadSink.HashCatchUpSecondsTotal - waitedBefore);
                }
            }
            foreach (var c in configs) hashCatchUp[Label(c.Transport)] = catchUp[c].ToArray();
            foreach (var c in configs) cpuPerGib[Label(c.Transport)] = pushCpu[c].Select(x => x / gib).ToArray();
            cpuPerGib["raw-tcp"] = tcpCpu.Select(x => x / gib).ToArray();
            results.Add(Make("raw-tcp", 1, chunkKibs[0], tcp, bytes));
            foreach (var c in configs) results.Add(Make(Label(c.Transport), 1, c.ChunkKib, pushSeconds[c], bytes));

            var best = configs.MaxBy(c => bytes / pushSeconds[c].Min());
            int bestChunk = best.ChunkKib;
            foreach (int w in workerCounts.Where(w => w != 1))
            {
                using var p = Publisher(best.Transport, bestChunk);
                var seconds = new List<double>();
                for (int r = 0; r < repeats; r++) seconds.Add(await PushOnce(p, snapshot, w));
                results.Add(Make(Label(best.Transport), w, bestChunk, seconds, bytes));
            }

            // The other direction for comparison: workers pull from the learner's WeightSource (Kestrel sends, HttpClient
            // receives), the path a late-joining worker takes. Same receive path (copy + incremental SHA-256 + stage).
            var source = new WeightSourceServer(bestChunk << 10);
            await using var learner = await WeightSourceHost.StartAsync(0, source, loopbackOnly: true, cancellationToken: ct);
            var pullers = Enumerable.Range(0, maxWorkers).Select(_ => new Vrm.RolloutWorker.WeightSync.WeightPuller(WeightSourceHost.LoopbackAddress(learner))).ToArray();
            try
            {
                foreach (int w in pull ? workerCounts : [])
                {
                    var seconds = new List<double>();
                    for (int r = 0; r < repeats; r++)
                    {
                        source.SetCurrent(WeightSnapshot.FromParts(snapshot.Header with { Version = ++version }, snapshot.PayloadArray), "bench");
                        var clock = Stopwatch.StartNew();
                        await Task.WhenAll(Enumerable.Range(0, w).Select(i => Task.Run(() => pullers[i].PullAsync(holders[i], ct), ct)));
                        seconds.Add(clock.Elapsed.TotalSeconds);
                        foreach (var h in holders) h.SwapStaged();
                        GC.Collect();
                    }
                    results.Add(Make("grpc-pull", w, bestChunk, seconds, bytes));
                }
            }
            finally { foreach (var p in pullers) p.Dispose(); }
        }
        finally
        {
            foreach (var h in hosts) { await h.StopAsync(); await h.DisposeAsync(); }
        }

        // --- report ---
        var rawRate = results[0].MiBPerSecondPerWorker;
        var table = new Table().AddColumns("transport", "workers", "chunk KiB", "best s", "MiB/s per worker", "aggregate MiB/s", "vs raw TCP");
        foreach (var m in results)
            table.AddRow(m.Transport, m.Workers.ToString(), m.ChunkKib.ToString(), m.BestSeconds.ToString("F2"), m.MiBPerSecondPerWorker.ToString("F0"),
                m.AggregateMiBPerSecond.ToString("F0"), (m.MiBPerSecondPerWorker / rawRate).ToString("F2"));
        AnsiConsole.Write(table);
        var oneWorker = results.Where(m => m.Transport.StartsWith("push:", StringComparison.Ordinal) && m.Workers == 1).MaxBy(m => m.MiBPerSecondPerWorker)!;
        double ratio = oneWorker.MiBPerSecondPerWorker / rawRate;
        double sha256MiBPerSecond = sizeMib / SampleStatistics.Median(sha256Seconds);
        AnsiConsole.MarkupLine($"SHA-256 on one thread (SHA256.HashData, same bytes, same run): {sha256MiBPerSecond:F0} MiB/s; " +
            $"the worker's wait for its hashing thread after the last byte, median: " +
            string.Join(", ", hashCatchUp.Select(kv => $"{kv.Key} {SampleStatistics.Median(kv.Value):F3} s")));
        double rawCpu = SampleStatistics.Median(cpuPerGib["raw-tcp"]);
        double sha256CpuPerGib = SampleStatistics.Median(sha256Seconds) / gib;
        AnsiConsole.MarkupLine($"process CPU per GiB moved (core-seconds, median): raw TCP {rawCpu:F2}; " +
            string.Join(", ", cpuPerGib.Where(kv => kv.Key != "raw-tcp").Select(kv => $"{kv.Key} {SampleStatistics.Median(kv.Value):F2}")) +
            $"; of which SHA-256 alone {sha256CpuPerGib:F2}. With every core busy, push ÷ raw ≤ raw CPU ÷ push CPU = " +
            string.Join(", ", cpuPerGib.Where(kv => kv.Key != "raw-tcp").Select(kv => $"{rawCpu / SampleStatistics.Median(kv.Value):F2}")));
        AnsiConsole.MarkupLine($"one-worker push ({oneWorker.Transport}, {oneWorker.ChunkKib} KiB) / raw TCP = {ratio:F2} " +
            $"(bar ≥ 0.50: {(ratio >= 0.5 ? "[green]met[/]" : "[red]not met[/]")})");

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(new
        {
            benchmark = "cluster-weight-push",
            size_bytes = bytes,
            receivers = "in-process Kestrel servers on 127.0.0.1 (same process as the sender)",
            receive_path = "large-frames: BulkPushConnection (frames off the transport pipe, one copy into the reused receive array, SHA-256 on its own thread, verified before staging); grpc-client: Kestrel HTTP/2 + WeightStreamReceiver",
            cores = Environment.ProcessorCount,
            repeats,
            one_worker_ratio_vs_raw_tcp = ratio,
            one_worker_best = new { oneWorker.Transport, oneWorker.ChunkKib },
            bar = 0.5,
            bar_met = ratio >= 0.5,
            sha256_one_thread_mib_per_s = sha256MiBPerSecond,
            sha256_seconds = sha256Seconds,
            hash_catch_up_seconds = hashCatchUp,
            process_cpu_seconds_per_gib = cpuPerGib,
            sha256_cpu_seconds_per_gib = sha256CpuPerGib,
            measurements = results,
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), ct);
        AnsiConsole.MarkupLine($"[grey]wrote {outPath}[/]");
        return 0;
    }

    private static double ProcessCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static Measurement Make(string transport, int workers, int chunkKib, List<double> seconds, long bytes)
    {
        double best = seconds.Min();
        double perWorker = bytes / (double)(1 << 20) / best;
        return new Measurement(transport, workers, chunkKib, seconds.ToArray(), best, perWorker, perWorker * workers);
    }

    private sealed record SyntheticSnapshot(WeightSnapshotHeader Header, byte[] PayloadArray)
    {
        public ReadOnlyMemory<byte> Payload => PayloadArray;
    }

    /// <summary>Random bytes (incompressible, like weights) as one U8 tensor, with the real header and SHA-256.</summary>
    private static SyntheticSnapshot Synthetic(long bytes)
    {
        var payload = GC.AllocateUninitializedArray<byte>((int)bytes);
        new Random(1234).NextBytes(payload);
        var header = new WeightSnapshotHeader(0, [new WeightLayoutEntry("synthetic", "U8", [bytes], 0, bytes)], bytes,
            Convert.ToHexStringLower(SHA256.HashData(payload)));
        return new SyntheticSnapshot(header, payload);
    }

    /// <summary>One socket pair on loopback: the sender writes the payload in chunks, the receiver reads into a reused buffer.</summary>
    private static async Task<double> RawTcpSecondsAsync(ReadOnlyMemory<byte> payload, int chunk, CancellationToken ct)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var receive = Task.Run(async () =>
        {
            using var server = await listener.AcceptSocketAsync(ct);
            var buffer = new byte[chunk];
            long total = 0;
            int n;
            while ((n = await server.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0) total += n;
            return total;
        }, ct);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port, ct);
        var clock = Stopwatch.StartNew();
        for (int offset = 0; offset < payload.Length; offset += chunk)
            await client.SendAsync(payload.Slice(offset, Math.Min(chunk, payload.Length - offset)), SocketFlags.None, ct);
        client.Shutdown(SocketShutdown.Send);
        long received = await receive;
        double seconds = clock.Elapsed.TotalSeconds;
        if (received != payload.Length) throw new InvalidOperationException($"raw TCP: received {received} of {payload.Length} bytes");
        return seconds;
    }
}
