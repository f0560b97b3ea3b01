using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vrm.Policy;

/// <summary>
/// The tokenizer as stored on disk (<c>Policy/Assets/tokenizer.json</c>, and beside the weights in every
/// checkpoint): a byte-level BPE vocabulary whose id is its index in <see cref="Vocab"/>, the merges in rank
/// order, and which entries are special. Entries are spelled in <see cref="ByteLevelAlphabet"/>.
/// </summary>
public sealed record TokenizerFile
{
    public const string CurrentFormat = "vrm-byte-bpe-v1";

    /// <summary>Format tag; a file of another format is refused rather than misread.</summary>
    public string Format { get; init; } = CurrentFormat;
    /// <summary>Name of the pre-tokenizer rule (the regex lives in code, see <see cref="PreTokenizerRules"/>).</summary>
    public string PreTokenizer { get; init; } = PreTokenizerRules.Gpt2SingleDigits;
    /// <summary>Every token, id = index.</summary>
    public IReadOnlyList<string> Vocab { get; init; } = [];
    /// <summary>BPE merges "left right" in rank order (first = applied first).</summary>
    public IReadOnlyList<string> Merges { get; init; } = [];
    /// <summary>Sequence-structure tokens by role (pad, bos, eos): never produced from text, decoded as nothing.</summary>
    public IReadOnlyDictionary<string, string> ControlTokens { get; init; } = new Dictionary<string, string>();
    /// <summary>Tokens that literal text matches as a whole (the image placeholder and the reasoning/answer tags).</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // Keep the byte alphabet (Ġ, Ċ, …) readable in the committed file instead of \u escapes.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates; <paramref name="source"/> names the file in error messages.</summary>
    public static TokenizerFile FromJson(string json, string source)
    {
        TokenizerFile? file;
        try { file = JsonSerializer.Deserialize<TokenizerFile>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a tokenizer file: {e.Message}", e); }
        if (file is null) throw new InvalidDataException($"{source}: empty tokenizer file");
        file.Validate(source);
        return file;
    }

    /// <summary>Checks everything the lossless-encoding guarantee rests on; throws naming the first problem.</summary>
    public void Validate(string source)
    {
        if (Format != CurrentFormat)
            throw new InvalidDataException($"{source}: format '{Format}' is not '{CurrentFormat}'");
        if (!PreTokenizerRules.IsKnown(PreTokenizer))
            throw new InvalidDataException($"{source}: unknown pre_tokenizer '{PreTokenizer}'");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Vocab.Count; i++)
        {
            if (string.IsNullOrEmpty(Vocab[i])) throw new InvalidDataException($"{source}: vocab[{i}] is empty");
            if (!ids.TryAdd(Vocab[i], i))
                throw new InvalidDataException($"{source}: vocab entry '{Vocab[i]}' appears twice (ids {ids[Vocab[i]]} and {i})");
        }
        for (int b = 0; b < 256; b++)
            if (!ids.ContainsKey(ByteLevelAlphabet.ToChar((byte)b).ToString()))
                throw new InvalidDataException($"{source}: byte token 0x{b:X2} is missing; without all 256 bytes some text cannot be encoded");
        foreach (var role in new[] { "pad", "bos", "eos" })
        {
            if (!ControlTokens.TryGetValue(role, out var tok)) throw new InvalidDataException($"{source}: control token '{role}' is missing");
            if (!ids.ContainsKey(tok)) throw new InvalidDataException($"{source}: control token {role} '{tok}' is not in vocab");
        }
        foreach (var tag in VrmTokenizer.RequiredSpecialTokens)
            if (!SpecialTokens.Contains(tag)) throw new InvalidDataException($"{source}: special token '{tag}' is missing");
        foreach (var tag in SpecialTokens)
            if (!ids.ContainsKey(tag)) throw new InvalidDataException($"{source}: special token '{tag}' is not in vocab");
        for (int r = 0; r < Merges.Count; r++)
        {
            var parts = Merges[r].Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{source}: merge #{r} '{Merges[r]}' is not 'left right'");
            foreach (var t in new[] { parts[0], parts[1], parts[0] + parts[1] })
                if (!ids.ContainsKey(t)) throw new InvalidDataException($"{source}: merge #{r} '{Merges[r]}' uses '{t}', which is not in vocab");
        }
    }
}
