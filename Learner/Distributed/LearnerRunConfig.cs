using System.Text.Json;
using System.Text.Json.Serialization;
using Vrm.Learner.Grpo;
using Vrm.Orchestrator.Contracts.Runs;

namespace Vrm.Learner.Distributed;

/// <summary>Where a run's prompts come from (<see cref="RunDataView"/> is the same JSON as workers read it).</summary>
public sealed record RunDataConfig
{
    public required string Path { get; init; }
    public IReadOnlyList<string> Tasks { get; init; } = ["count"];
    public int? TrainLimit { get; init; }
}

/// <summary>
/// The learner's schema of a run's <c>ConfigJson</c> (the orchestrator treats it as opaque JSON; workers
/// read only its <c>data</c> object). Submitted through the admin API or written by <c>vrm train</c>.
/// </summary>
public sealed record LearnerRunConfig
{
    public required RunDataConfig Data { get; init; }
    public required string InitCheckpoint { get; init; }
    public GrpoOptions Grpo { get; init; } = new();
    public ulong Seed { get; init; } = 1;
    public int EvalEvery { get; init; } = 0;
    public int EvalLimit { get; init; } = 200;
    public int CheckpointEvery { get; init; } = 10;
    public bool EvaluateBeforeAndAfter { get; init; } = true;
    /// <summary>
    /// Lease of one rollout assignment in seconds (null: the learner node's default, 30 s). A dead worker's work
    /// is re-assigned only after its lease expires, so short leases recover sooner; a lease shorter than one
    /// assignment's sampling time would re-assign work a live worker is still doing.
    /// </summary>
    public double? LeaseSeconds { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LearnerRunConfig FromJson(string json)
    {
        LearnerRunConfig? cfg;
        try { cfg = JsonSerializer.Deserialize<LearnerRunConfig>(json, Json); }
        catch (JsonException e) { throw new ArgumentException($"run config: {e.Message}", e); }
        if (cfg is null) throw new ArgumentException("run config: empty");
        cfg.Grpo.Validate();
        if (cfg.LeaseSeconds is { } lease && !(lease > 0 && lease <= 86_400))
            throw new ArgumentException($"run config: lease_seconds must be in (0, 86400] (got {lease})");
        _ = RunDataView.FromConfigJson(json); // the workers' view must parse too
        return cfg;
    }

    /// <param name="dataRoot">Base of a relative <see cref="InitCheckpoint"/> and data path (VRM_DATA_DIR); null leaves them as given.</param>
    public GrpoRunOptions ToRunOptions(string runDir, int totalSteps, string? dataRoot = null) => new()
    {
        InitCheckpoint = Resolve(InitCheckpoint, dataRoot), DataPath = Resolve(Data.Path, dataRoot), RunDir = runDir, Grpo = Grpo, Steps = totalSteps, Seed = Seed,
        Tasks = Data.Tasks, TrainLimit = Data.TrainLimit, EvalEvery = EvalEvery, EvalLimit = EvalLimit,
        CheckpointEvery = CheckpointEvery, EvaluateBeforeAndAfter = EvaluateBeforeAndAfter,
    };

    private static string Resolve(string path, string? root) =>
        root is null || Path.IsPathRooted(path) ? path : Path.Combine(root, path);
}
