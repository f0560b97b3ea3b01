using System.Text;
using Microsoft.ML.Tokenizers;

namespace Vrm.Policy;

/// <summary>
/// The VRM's tokenizer: Microsoft.ML.Tokenizers' byte-level BPE over a small task-language vocabulary
/// (<c>Policy/Assets/tokenizer.json</c>).
/// <para>Guarantees (tested on random strings): <see cref="Encode"/> never throws, and for any valid UTF-16
/// string <c>Decode(Encode(s)) == s</c> — all 256 bytes are tokens, so nothing is ever unknown.</para>
/// <para>Special tokens: literal <c>&lt;image&gt; &lt;think&gt; &lt;/think&gt; &lt;answer&gt; &lt;/answer&gt;</c> in text
/// encode to their special ids (completions and SFT targets are plain text), and decode back to the same text,
/// so round-trip holds. BOS/EOS/PAD are control tokens: text never produces them and they decode to nothing.</para>
/// <para>Invalid UTF-16 (a lone surrogate) cannot survive UTF-8 losslessly: each lone surrogate is encoded as
/// U+FFFD, so it decodes to "\uFFFD" — exactly what <see cref="Encoding.UTF8"/> does.
/// Decoding ids that do not form valid UTF-8 (e.g. a model emitting half a character) yields U+FFFD for the
/// broken bytes, never an exception. An id outside [0, VocabSize) is a caller bug and throws.</para>
/// </summary>
public sealed class VrmTokenizer
{
    public const string ImageToken = "<image>";
    public const string ThinkOpenToken = "<think>";
    public const string ThinkCloseToken = "</think>";
    public const string AnswerOpenToken = "<answer>";
    public const string AnswerCloseToken = "</answer>";
    public static readonly IReadOnlyList<string> RequiredSpecialTokens =
        [ImageToken, ThinkOpenToken, ThinkCloseToken, AnswerOpenToken, AnswerCloseToken];

    private static readonly Lazy<VrmTokenizer> DefaultTokenizer = new(() => Load(DefaultPath));

    private readonly BpeTokenizer _bpe;
    private readonly bool[] _isControl;

    public TokenizerFile File { get; }
    public int VocabSize => File.Vocab.Count;
    public int Pad { get; }
    public int Bos { get; }
    public int Eos { get; }
    public int Image { get; }
    public int ThinkOpen { get; }
    public int ThinkClose { get; }
    public int AnswerOpen { get; }
    public int AnswerClose { get; }

    /// <summary>Where the repository's vocabulary is copied in every build output (Policy/Assets/**).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "Assets", "tokenizer.json");

    /// <summary>The repository's vocabulary, loaded once.</summary>
    public static VrmTokenizer Default => DefaultTokenizer.Value;

    public VrmTokenizer(TokenizerFile file)
    {
        file.Validate("tokenizer");
        File = file;
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < file.Vocab.Count; i++) ids[file.Vocab[i]] = i;
        Pad = ids[file.ControlTokens["pad"]];
        Bos = ids[file.ControlTokens["bos"]];
        Eos = ids[file.ControlTokens["eos"]];
        Image = ids[ImageToken];
        ThinkOpen = ids[ThinkOpenToken];
        ThinkClose = ids[ThinkCloseToken];
        AnswerOpen = ids[AnswerOpenToken];
        AnswerClose = ids[AnswerCloseToken];
        _isControl = new bool[file.Vocab.Count];
        _isControl[Pad] = _isControl[Bos] = _isControl[Eos] = true;

        var specials = file.SpecialTokens.ToDictionary(t => t, t => ids[t], StringComparer.Ordinal);
        // Control tokens stay out of the library's vocabulary: no text may ever map to them.
        var libraryVocab = ids.Where(kv => !_isControl[kv.Value]).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        _bpe = BpeTokenizer.Create(new BpeOptions(libraryVocab)
        {
            Merges = file.Merges,
            SpecialTokens = specials,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(PreTokenizerRules.Regex(file.PreTokenizer), specials),
        });
    }

    /// <summary>Reads and validates a tokenizer file; a bad file fails with a message naming the file and the problem.</summary>
    public static VrmTokenizer Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        return new VrmTokenizer(TokenizerFile.FromJson(System.IO.File.ReadAllText(path), path));
    }

    public void Save(string path) => System.IO.File.WriteAllText(path, File.ToJson());

    /// <summary>Text → ids (no BOS/EOS added). Never throws; lone surrogates become U+FFFD first.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) return [];
        var ids = _bpe.EncodeToIds(ReplaceLoneSurrogates(text));
        return ids as int[] ?? [.. ids];
    }

    /// <summary>Ids → text. Control tokens (PAD/BOS/EOS) render as nothing; broken UTF-8 as U+FFFD.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var kept = new List<int>(ids.Length);
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary [0, {VocabSize})");
            if (!_isControl[id]) kept.Add(id);
        }
        return kept.Count == 0 ? "" : _bpe.Decode(kept) ?? "";
    }

    /// <summary>The vocabulary entry of one id (byte-level spelling), for logs and debugging.</summary>
    public string TokenText(int id) => (uint)id < (uint)VocabSize
        ? File.Vocab[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is outside the vocabulary [0, {VocabSize})");

    /// <summary>UTF-8 cannot carry an unpaired surrogate; replace each one with U+FFFD (as Encoding.UTF8 does).</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int i = 0;
        for (; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) break;
        }
        if (i == text.Length) return text; // the common case allocates nothing
        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { sb.Append(c).Append(text[++i]); }
            else if (char.IsSurrogate(c)) sb.Append('\uFFFD');
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
