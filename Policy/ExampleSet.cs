using System.Collections.Concurrent;
using TorchSharp;
using Vrm.Data;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// A dataset split made ready for torch: every image decoded once (it removes PNG decoding from every step), every
/// prompt tokenised. Images at the encoder's size stay 8-bit on the host and become floats only for the rows a step
/// asks for; a set with other sizes keeps one resized float tensor.
/// </summary>
public sealed class ExampleSet : IDisposable
{
    public IReadOnlyList<DatasetExample> Examples { get; }
    /// <summary>Prompt token ids per example: the text after BOS and the image placeholder.</summary>
    public IReadOnlyList<int[]> PromptIds { get; }

    public int Count => Examples.Count;

    private readonly int _side;
    private readonly byte[]? _pixels;   // [N, 3, S, S] 8-bit, when every image is at the encoder's size
    private readonly Tensor? _resized;  // [N, 3, S, S] float 0..1, when some image had to be resized

    /// <summary>Bytes the images take in memory: N·3·S·S when kept 8-bit, four times that as floats.</summary>
    public long ImageBytes => _pixels?.LongLength ?? _resized!.NumberOfElements * sizeof(float);

    private ExampleSet(IReadOnlyList<DatasetExample> examples, int side, byte[]? pixels, Tensor? resized, IReadOnlyList<int[]> promptIds)
    {
        Examples = examples;
        _side = side;
        _pixels = pixels;
        _resized = resized;
        PromptIds = promptIds;
    }

    /// <summary>Loads <paramref name="path"/> (a JSONL file or a folder of them) filtered to a split and tasks.</summary>
    public static ExampleSet Load(string path, string? split, IReadOnlyCollection<string>? tasks, VisionConfig vision,
        VrmTokenizer tokenizer, PromptTemplate template, int? limit = null, bool skipInvalid = false, bool readScenes = false) =>
        LoadSplits(path, [(split, limit)], tasks, vision, tokenizer, template, skipInvalid, readScenes)[0];

    /// <summary>
    /// Several splits of one dataset from a single read (a learner needs train, test and ood: reading the folder
    /// once instead of three times). <c>null</c> as a split keeps every split. Each split is capped at its limit.
    /// Scene graphs are read only when asked (<paramref name="readScenes"/>): training and sampling never look at them,
    /// the scene-supervised part of pretraining does.
    /// </summary>
    public static ExampleSet[] LoadSplits(string path, IReadOnlyList<(string? Split, int? Limit)> splits, IReadOnlyCollection<string>? tasks,
        VisionConfig vision, VrmTokenizer tokenizer, PromptTemplate template, bool skipInvalid = false, bool readScenes = false)
    {
        // FromExamples decodes every kept image anyway (and names any it cannot), so the reader decodes them first
        // only when it must drop bad lines; otherwise it checks that the files exist.
        string? only = splits.Select(x => x.Split).Distinct().Count() == 1 ? splits[0].Split : null;
        var all = DatasetReader.Load(path, new DatasetLoadOptions
        {
            Split = only, Tasks = tasks, SkipInvalid = skipInvalid, VerifyImages = skipInvalid, ReadScenes = readScenes,
        }).Examples;
        var sets = new ExampleSet[splits.Count];
        try
        {
            for (int i = 0; i < splits.Count; i++)
            {
                var (split, limit) = splits[i];
                var examples = all.Where(e => split is null || e.Split == split).Take(limit ?? int.MaxValue).ToList();
                if (examples.Count == 0)
                    throw new InvalidDataException($"{path}: no examples for split '{split ?? "any"}' and tasks [{string.Join(", ", tasks ?? [])}]");
                sets[i] = FromExamples(examples, vision, tokenizer, template);
            }
            return sets;
        }
        catch
        {
            foreach (var set in sets) set?.Dispose();
            throw;
        }
    }

    public static ExampleSet FromExamples(IReadOnlyList<DatasetExample> examples, VisionConfig vision, VrmTokenizer tokenizer, PromptTemplate template)
    {
        // Decode in parallel (SkiaSharp, no torch); ImageTensor.Keep makes the kept form (bytes or one tensor) on this thread.
        var decoded = new RgbImage[examples.Count];
        var failed = new ConcurrentBag<(int Row, string Error)>();
        Parallel.For(0, examples.Count, i =>
        {
            try { decoded[i] = ImageDecoder.Decode(examples[i].ImagePath); }
            catch (ImageDecodeException e) { failed.Add((i, e.Message)); }
        });
        if (!failed.IsEmpty)
            throw new InvalidDataException($"{failed.Count} image(s) cannot be decoded: " +
                string.Join("; ", failed.OrderBy(f => f.Row).Take(5).Select(f => $"example '{examples[f.Row].Id}': {f.Error}")));
        byte[]? pixels;
        Tensor? resized;
        using (var scope = NewDisposeScope())
        {
            (pixels, resized) = ImageTensor.Keep(decoded.Select(d => (d.Rgb, d.Width, d.Height)).ToList(), vision);
            resized?.MoveToOuterDisposeScope();
        }
        var prompts = examples.Select(e => template.EncodePrompt(tokenizer, e.Problem)).ToArray();
        return new ExampleSet(examples, vision.ImageSize, pixels, resized, prompts);
    }

    /// <summary>Images of the given rows: [n, 3, S, S] float 0..1.</summary>
    public Tensor ImagesOf(IReadOnlyList<int> rows)
    {
        if (_pixels is not null) return ImageTensor.FromChwBytes(_pixels, rows, _side);
        foreach (int r in rows)
            if ((uint)r >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(rows), r, $"row {r} is outside the {Count} examples");
        using var idx = tensor(rows.Select(r => (long)r).ToArray());
        return _resized!.index_select(0, idx);
    }

    public void Dispose() => _resized?.Dispose();
}
