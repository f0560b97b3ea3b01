using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Vrm.RolloutWorker;

/// <summary>
/// The rollout worker role's instruments (DESIGN §6 conventions), every series tagged worker_id because the embedded
/// <c>vrm train</c> runs several workers in one process. Names carry a <c>vrm_worker_</c> prefix: the orchestrator
/// already exports the run-level <c>vrm_generated_tokens_total</c> / <c>vrm_policy_version</c> labelled by run, and a
/// dashboard summing those must not count a worker's own series twice.
/// Exported on the role's /metrics by whoever hosts it: <c>AddMeter(MeterName)</c>.
/// </summary>
public static class WorkerMetrics
{
    public const string MeterName = "Vrm.RolloutWorker";
    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<string, WeakReference<PolicyHolder>> Holders = new(StringComparer.Ordinal);

    /// <summary>Tokens sampled (rate() = rollout tokens/s).</summary>
    public static readonly Counter<long> GeneratedTokens = Meter.CreateCounter<long>("vrm_worker_generated_tokens_total",
        description: "tokens sampled by the worker");
    /// <summary>Completions sampled and scored (G per prompt).</summary>
    public static readonly Counter<long> Completions = Meter.CreateCounter<long>("vrm_worker_completions_total",
        description: "completions sampled and scored");
    /// <summary>Assignments finished, tag outcome = completed | rejected (the scheduler did not settle it) | failed.</summary>
    public static readonly Counter<long> Assignments = Meter.CreateCounter<long>("vrm_worker_assignments_total",
        description: "assignments finished, by outcome");
    /// <summary>Lease granted → completion acknowledged (sample + score + complete), tag outcome.</summary>
    public static readonly Histogram<double> AssignmentDuration = Meter.CreateHistogram<double>("vrm_worker_assignment_duration_seconds",
        description: "assignment latency from lease to acknowledged completion");
    /// <summary>Receive + verify time of one weight transfer, tag source = push | pull.</summary>
    public static readonly Histogram<double> WeightReceiveDuration = Meter.CreateHistogram<double>("vrm_worker_weight_receive_duration_seconds",
        description: "time to receive and verify one policy snapshot");
    public static readonly Counter<long> WeightBytesReceived = Meter.CreateCounter<long>("vrm_worker_weight_bytes_received_total",
        description: "verified snapshot bytes received");
    /// <summary>Transfers refused (the worker keeps its version), tag source and status (the gRPC status name).</summary>
    public static readonly Counter<long> WeightTransfersRefused = Meter.CreateCounter<long>("vrm_worker_weight_transfers_refused_total",
        description: "weight pushes/pulls refused: wrong run, not newer, bad size, digest mismatch");

    static WorkerMetrics()
    {
        Meter.CreateObservableGauge("vrm_worker_policy_version", () => Each(h => h.Version),
            description: "policy version the worker samples with (-1: none yet)");
        Meter.CreateObservableGauge("vrm_worker_staged_policy_version", () => Each(h => h.StagedVersion),
            description: "verified version waiting for the next swap (-1: none)");
        Meter.CreateObservableCounter("vrm_worker_weight_swaps_total", () => Each(h => h.SwapCount),
            description: "snapshots swapped in between batches");
    }

    /// <summary>Reports <paramref name="holder"/>'s versions as worker <paramref name="workerId"/> until disposed (a newer holder under the same id replaces it).</summary>
    public static IDisposable Track(string workerId, PolicyHolder holder)
    {
        var entry = new WeakReference<PolicyHolder>(holder);
        Holders[workerId] = entry;
        return new Untrack(workerId, entry);
    }

    public static KeyValuePair<string, object?> Worker(string workerId) => new("worker_id", workerId);

    internal static void Sampled(string workerId, long tokens, int completions)
    {
        GeneratedTokens.Add(tokens, Worker(workerId));
        Completions.Add(completions, Worker(workerId));
    }

    internal static void AssignmentFinished(string workerId, string outcome, double seconds)
    {
        Assignments.Add(1, Worker(workerId), new("outcome", outcome));
        AssignmentDuration.Record(seconds, Worker(workerId), new("outcome", outcome));
    }

    internal static void WeightsReceived(string? workerId, string source, long bytes, double seconds)
    {
        WeightReceiveDuration.Record(seconds, Worker(workerId ?? ""), new("source", source));
        WeightBytesReceived.Add(bytes, Worker(workerId ?? ""), new("source", source));
    }

    internal static void WeightsRefused(string? workerId, string source, Grpc.Core.StatusCode status) =>
        WeightTransfersRefused.Add(1, Worker(workerId ?? ""), new("source", source), new("status", status.ToString()));

    private static IEnumerable<Measurement<long>> Each(Func<PolicyHolder, long> read)
    {
        foreach (var (id, entry) in Holders)
            if (entry.TryGetTarget(out var holder)) yield return new Measurement<long>(read(holder), Worker(id));
    }

    private sealed class Untrack(string workerId, WeakReference<PolicyHolder> entry) : IDisposable
    {
        public void Dispose() => Holders.TryRemove(new KeyValuePair<string, WeakReference<PolicyHolder>>(workerId, entry));
    }
}
