using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Vrm.Orchestrator.Contracts.Runs;

namespace Vrm.Orchestrator.Telemetry;

/// <summary>
/// The latest per-step metrics of every run active on this silo, exported as OpenTelemetry instruments
/// labelled by run (the learner reports to the run grain; the orchestrator's /metrics is then the one
/// scrape target the dashboard needs). Key → name mapping (DESIGN §6):
/// <c>step_duration_seconds_{phase}</c> → <c>vrm_step_duration_seconds{phase}</c>,
/// <c>eval_accuracy_{split}</c> → <c>vrm_eval_accuracy{split}</c>, <c>eval_accuracy_{split}_{task}</c> (multi-task runs) →
/// <c>vrm_eval_accuracy{split, task}</c> (split names have no underscore; the task label may be any name),
/// <c>generated_tokens</c> (per step) → the counter <c>vrm_generated_tokens_total</c>,
/// anything else (<c>[a-z0-9_]+</c>) → gauge <c>vrm_{key}</c>.
/// </summary>
public sealed class RunMetricsBoard
{
    public const string MeterName = "Vrm.Runs";
    private const string EvalPrefix = "eval_";
    public static RunMetricsBoard Shared { get; } = new();

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<string, RunLine> _runs = new();
    private readonly ConcurrentDictionary<string, object> _instruments = new();

    private sealed class RunLine
    {
        public readonly object Gate = new();
        public Dictionary<string, double> Latest = [];
        public long Step, PolicyVersion, GeneratedTokens;
        public RunStatus Status = RunStatus.Running;
    }

    private RunMetricsBoard()
    {
        _meter.CreateObservableGauge("vrm_run_step", () => Each(l => l.Step));
        _meter.CreateObservableGauge("vrm_policy_version", () => Each(l => l.PolicyVersion));
        _meter.CreateObservableGauge("vrm_run_status", () => _runs.Select(kv => new Measurement<long>((long)kv.Value.Status,
            new KeyValuePair<string, object?>("run", kv.Key))));
        _meter.CreateObservableCounter("vrm_generated_tokens_total", () => Each(l => l.GeneratedTokens));
    }

    public void Report(string runId, long step, long policyVersion, IReadOnlyDictionary<string, double> values, bool repeatedStep)
    {
        var line = _runs.GetOrAdd(runId, _ => new RunLine());
        lock (line.Gate)
        {
            line.Step = step;
            line.PolicyVersion = policyVersion;
            line.Status = RunStatus.Running;
            var latest = values.Where(kv => double.IsFinite(kv.Value)).ToDictionary();
            // Evaluations run every E steps, not every step: keep the last eval values until the next evaluation,
            // so the gauge is a continuous line (and a scrape between two step reports cannot miss it).
            foreach (var (key, value) in line.Latest)
                if (key.StartsWith(EvalPrefix, StringComparison.Ordinal)) latest.TryAdd(key, value);
            line.Latest = latest;
            if (!repeatedStep && values.TryGetValue("generated_tokens", out var t) && double.IsFinite(t) && t > 0) line.GeneratedTokens += (long)t;
        }
        foreach (var key in values.Keys) EnsureInstrument(key);
    }

    public void SetStatus(string runId, RunStatus status)
    {
        var line = _runs.GetOrAdd(runId, _ => new RunLine());
        lock (line.Gate) line.Status = status;
    }

    /// <summary>
    /// (instrument name, labels besides the run) for a reported key; null = not exported. Mapped once per key: a scrape
    /// maps every key of every run, and the set of keys is small and fixed by the learner's code and the run's tasks.
    /// </summary>
    public static (string Name, KeyValuePair<string, object?>[] Labels)? Map(string key) =>
        Mapped.Count < MaxMappedKeys ? Mapped.GetOrAdd(key, MapKey) : Mapped.TryGetValue(key, out var m) ? m : MapKey(key);

    /// <summary>Bounds the cache should a learner report ever-new keys; past it keys are mapped on each call.</summary>
    private const int MaxMappedKeys = 4096;
    private static readonly ConcurrentDictionary<string, (string Name, KeyValuePair<string, object?>[] Labels)?> Mapped = new(StringComparer.Ordinal);

    private static (string Name, KeyValuePair<string, object?>[] Labels)? MapKey(string key)
    {
        if (key.StartsWith("eval_accuracy_", StringComparison.Ordinal))
        {
            // The task is a label value, so any name a dataset gives it (e.g. "chart-qa") is exported as it is; only the
            // split, which sits in the key before the task, must look like a metric-name part.
            var rest = key["eval_accuracy_".Length..];
            int cut = rest.IndexOf('_');
            if (cut < 0) return IsNamePart(rest) ? ("vrm_eval_accuracy", [new("split", rest)]) : null;
            var (split, task) = (rest[..cut], rest[(cut + 1)..]);
            return IsNamePart(split) && task.Length > 0 ? ("vrm_eval_accuracy", [new("split", split), new("task", task)]) : null;
        }
        if (!IsNamePart(key)) return null;
        if (key is "generated_tokens" or "policy_version") return null; // exported by the fixed instruments
        if (key.StartsWith("step_duration_seconds_", StringComparison.Ordinal))
            return ("vrm_step_duration_seconds", [new("phase", key["step_duration_seconds_".Length..])]);
        return ($"vrm_{key}", []);
    }

    private static bool IsNamePart(string s) => s.Length > 0 && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    private void EnsureInstrument(string key)
    {
        if (Map(key) is not { } m || _instruments.ContainsKey(m.Name)) return;
        _instruments.GetOrAdd(m.Name, name => _meter.CreateObservableGauge(name, () => Observe(name)));
    }

    private IEnumerable<Measurement<double>> Observe(string name)
    {
        var result = new List<Measurement<double>>();
        foreach (var (runId, line) in _runs)
        {
            lock (line.Gate)
            {
                foreach (var (key, value) in line.Latest)
                {
                    if (Map(key) is not { } m || m.Name != name) continue;
                    result.Add(new Measurement<double>(value, [new("run", runId), .. m.Labels]));
                }
            }
        }
        return result;
    }

    private IEnumerable<Measurement<long>> Each(Func<RunLine, long> pick)
    {
        var result = new List<Measurement<long>>();
        foreach (var (runId, line) in _runs)
            lock (line.Gate) result.Add(new Measurement<long>(pick(line), new KeyValuePair<string, object?>("run", runId)));
        return result;
    }
}
