using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vrm.Learner.Grpo;

/// <summary>
/// <c>trainer_state.json</c>: everything beyond weights and optimizer moments that a resumed run needs to
/// continue exactly where it stopped. Sampling seeds are a pure function of (seed, step, round), so the
/// RNG state is fully described by <see cref="Seed"/> and <see cref="Step"/>.
/// </summary>
public sealed record TrainerState
{
    public const string FileName = "trainer_state.json";
    public const string OptimizerFile = "optimizer.safetensors";

    public int Step { get; init; }
    public long PolicyVersion { get; init; }
    public ulong Seed { get; init; }
    public int CursorEpoch { get; init; }
    public int CursorPosition { get; init; }
    public long OptimizerSteps { get; init; }
    public required string InitCheckpoint { get; init; }
    public required GrpoOptions Options { get; init; }
    public int TotalSteps { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainerState Read(string checkpointDir)
    {
        var path = Path.Combine(checkpointDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint {checkpointDir}: {FileName} is missing (not a GRPO checkpoint?)", path);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json)
                   ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }
}
