using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vrm.Learner.Distributed;

/// <summary>
/// One hand-off of a scheduler step to the learner, as the learner recorded it: which groups it trained on.
/// <see cref="Step"/> uses metrics.jsonl's numbering (the trainer step this hand-off's update produces, 1-based);
/// a group is identified by (<see cref="SchedulerStep"/>, prompt index): the scheduler refuses duplicate prompts
/// within a step, and with one prompt per assignment it is the assignment's identity too.
/// </summary>
public sealed record ConsumedRollouts
{
    public int Step { get; init; }
    public int Round { get; init; }
    public long SchedulerStep { get; init; }
    /// <summary>The scheduler handed this step off before (to a learner that died before checkpointing it).</summary>
    public bool Redelivery { get; init; }
    public int Groups { get; init; }
    public required int[] PromptIndices { get; init; }
    public required string[] Workers { get; init; }
    public required long[] PolicyVersions { get; init; }
    /// <summary>The learner process that consumed it (a restarted learner has another).</summary>
    public int LearnerPid { get; init; }
    public DateTimeOffset At { get; init; }

    [JsonIgnore]
    public IEnumerable<string> GroupIds => PromptIndices.Select(p => $"{SchedulerStep}/{p}");
}

/// <summary>
/// <c>rollouts.jsonl</c> in a run folder: an append-only line per hand-off, flushed as written, so a kill
/// loses nothing already consumed. Fault tests read it to prove every group of every step reached the
/// learner exactly once; operators read it to see which worker sampled what.
/// </summary>
public sealed class ConsumedRolloutsLog(string path)
{
    public const string FileName = "rollouts.jsonl";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };
    private readonly Lock _gate = new();

    public string Path { get; } = path;

    public void Append(ConsumedRollouts entry)
    {
        var line = JsonSerializer.Serialize(entry, Json) + "\n";
        lock (_gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            using var f = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            f.Write(System.Text.Encoding.UTF8.GetBytes(line));
            f.Flush(flushToDisk: true);
        }
    }

    /// <summary>Every complete line (a line cut by a kill mid-write is skipped).</summary>
    public static List<ConsumedRollouts> ReadAll(string path)
    {
        var rows = new List<ConsumedRollouts>();
        if (!File.Exists(path)) return rows;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { if (JsonSerializer.Deserialize<ConsumedRollouts>(line, Json) is { } row) rows.Add(row); }
            catch (JsonException) { }
        }
        return rows;
    }
}
