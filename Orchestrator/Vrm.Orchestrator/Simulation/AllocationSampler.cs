using System.Diagnostics.Tracing;

namespace Vrm.Orchestrator.Simulation;

/// <summary>One allocated type's share of a sampled window.</summary>
public sealed record AllocatedType(string Type, double Share, long Samples);

/// <summary>
/// Which types a process allocates, from the runtime's own GCAllocationTick events (one about every
/// 100 KB allocated, naming the type whose allocation crossed the threshold — a sample proportional to
/// bytes). In-process on purpose: no dotnet-trace session or trace parsing needed for a benchmark to
/// say where its allocations come from. Costs little (a callback per ~100 KB), but it is off unless asked.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, (long Bytes, long Samples)> _byType = [];
    private readonly Lock _lock = new();
    private volatile bool _recording;

    /// <summary>Count samples from now on (earlier ones, e.g. the warm-up's, are dropped).</summary>
    public void Start()
    {
        lock (_lock) _byType.Clear();
        _recording = true;
    }

    public void Stop() => _recording = false;

    /// <summary>The most-allocated types, largest share first.</summary>
    public IReadOnlyList<AllocatedType> Top(int count)
    {
        lock (_lock)
        {
            var total = Math.Max(1, _byType.Values.Sum(v => v.Bytes));
            return _byType.OrderByDescending(kv => kv.Value.Bytes).Take(count)
                .Select(kv => new AllocatedType(kv.Key, (double)kv.Value.Bytes / total, kv.Value.Samples)).ToList();
        }
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Verbose GC level is what turns the allocation tick on.
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        var typeAt = e.PayloadNames.IndexOf("TypeName");
        var amountAt = e.PayloadNames.IndexOf("AllocationAmount64");
        if (typeAt < 0 || amountAt < 0 || e.Payload is null) return;
        var type = e.Payload[typeAt] as string ?? "?";
        var bytes = Convert.ToInt64(e.Payload[amountAt]);
        lock (_lock)
        {
            _byType.TryGetValue(type, out var v);
            _byType[type] = (v.Bytes + bytes, v.Samples + 1);
        }
    }
}
