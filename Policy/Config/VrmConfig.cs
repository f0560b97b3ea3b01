using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vrm.Policy.Config;

/// <summary>
/// The whole VRM: vision encoder → projector → language model, plus the tokenizer it speaks.
/// Serialised as a checkpoint's <c>config.json</c>.
/// </summary>
public sealed record VrmConfig
{
    public VisionConfig Vision { get; init; } = new();
    public ProjectorConfig Projector { get; init; } = new();
    public LanguageModelConfig LanguageModel { get; init; } = new();
    public TokenizerConfig Tokenizer { get; init; } = new();

    /// <summary>The small default that trains quickly on 2 CPU cores.</summary>
    public static VrmConfig Default => new();

    public void Validate()
    {
        Vision.Validate();
        Projector.Validate();
        LanguageModel.Validate();
        int seq = 1 + Vision.NumPatches;
        if (seq >= LanguageModel.MaxSeqLen)
            throw new ArgumentException($"lm: MaxSeqLen ({LanguageModel.MaxSeqLen}) leaves no room after BOS + {Vision.NumPatches} visual tokens");
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates; a bad file fails with a message naming what is wrong.</summary>
    public static VrmConfig FromJson(string json)
    {
        VrmConfig? cfg;
        try { cfg = JsonSerializer.Deserialize<VrmConfig>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"config.json: {e.Message}", e); }
        if (cfg is null) throw new InvalidDataException("config.json: empty");
        cfg.Validate();
        return cfg;
    }
}
