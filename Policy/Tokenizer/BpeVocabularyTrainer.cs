using System.Text.RegularExpressions;

namespace Vrm.Policy;

/// <summary>
/// Learns the committed vocabulary: classic BPE (Sennrich et al.) over the byte-level spelling of a corpus,
/// pre-tokenized exactly as encoding will be. Deterministic (ties break by ordinal order of the pair), so the
/// committed <c>Policy/Assets/tokenizer.json</c> can be regenerated and checked by a test.
/// Id layout: control tokens, special tokens, the 256 bytes, then one token per merge.
/// </summary>
public static class BpeVocabularyTrainer
{
    public static readonly IReadOnlyDictionary<string, string> ControlTokens =
        new Dictionary<string, string> { ["pad"] = "<|pad|>", ["bos"] = "<|bos|>", ["eos"] = "<|eos|>" };

    /// <param name="corpus">Texts in the task language (special tags are cut out, never merged into).</param>
    /// <param name="vocabSize">Stop when the vocabulary reaches this size, or earlier when no pair repeats.</param>
    public static TokenizerFile Train(IEnumerable<string> corpus, int vocabSize)
    {
        var vocab = new List<string> { ControlTokens["pad"], ControlTokens["bos"], ControlTokens["eos"] };
        vocab.AddRange(VrmTokenizer.RequiredSpecialTokens);
        for (int b = 0; b < 256; b++) vocab.Add(ByteLevelAlphabet.ToChar((byte)b).ToString());
        if (vocabSize < vocab.Count) throw new ArgumentException($"vocabSize {vocabSize} is below the {vocab.Count} fixed tokens");

        // --- word frequencies, as the encoder will see the words ---
        var split = PreTokenizerRules.Regex(PreTokenizerRules.Gpt2SingleDigits);
        var specials = new Regex(string.Join("|", VrmTokenizer.RequiredSpecialTokens.Select(Regex.Escape)));
        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in corpus)
            foreach (var piece in specials.Split(text))
                foreach (Match m in split.Matches(piece))
                {
                    var spelled = ByteLevelAlphabet.Spell(m.Value);
                    wordCounts[spelled] = wordCounts.GetValueOrDefault(spelled) + 1;
                }
        var words = wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Symbols: kv.Key.Select(c => c.ToString()).ToList(), Count: kv.Value)).ToList();

        // --- merge the most frequent adjacent pair until the vocabulary is full ---
        var merges = new List<string>();
        var known = new HashSet<string>(vocab, StringComparer.Ordinal);
        while (vocab.Count < vocabSize)
        {
            var pairCounts = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    pairCounts[(symbols[i], symbols[i + 1])] = pairCounts.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            var best = pairCounts.Where(kv => kv.Value >= 2)
                .OrderByDescending(kv => kv.Value)
                .ThenBy(kv => kv.Key.Item1 + " " + kv.Key.Item2, StringComparer.Ordinal)
                .Select(kv => kv.Key).FirstOrDefault();
            if (best == default) break;
            var (left, right) = best;
            merges.Add(left + " " + right);
            // Two merge paths can spell the same token ("a bc", "ab c"): the merge is needed, the entry once.
            if (known.Add(left + right)) vocab.Add(left + right);
            foreach (var (symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == left && symbols[i + 1] == right) { symbols[i] = left + right; symbols.RemoveAt(i + 1); }
        }

        var file = new TokenizerFile
        {
            Vocab = vocab,
            Merges = merges,
            ControlTokens = ControlTokens,
            SpecialTokens = VrmTokenizer.RequiredSpecialTokens,
        };
        file.Validate("trained tokenizer");
        return file;
    }
}
