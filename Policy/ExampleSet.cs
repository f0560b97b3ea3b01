using TorchSharp;
using Vrm.Data;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// A dataset split made ready for torch: every image decoded once into one [N, 3, S, S] tensor (a few
/// hundred MB at most for our sizes, and it removes PNG decoding from every step), every prompt tokenised.
/// </summary>
public sealed class ExampleSet : IDisposable
{
    public IReadOnlyList<DatasetExample> Examples { get; }
    /// <summary>[N, 3, S, S] float 0..1 on the CPU.</summary>
    public Tensor Images { get; }
    /// <summary>Prompt token ids per example: the text after BOS and the image placeholder.</summary>
    public IReadOnlyList<int[]> PromptIds { get; }

    public int Count => Examples.Count;

    private ExampleSet(IReadOnlyList<DatasetExample> examples, Tensor images, IReadOnlyList<int[]> promptIds)
    {
        Examples = examples;
        Images = images;
        PromptIds = promptIds;
    }

    /// <summary>Loads <paramref name="path"/> (a JSONL file or a folder of them) filtered to a split and tasks.</summary>
    public static ExampleSet Load(string path, string? split, IReadOnlyCollection<string>? tasks, VisionConfig vision,
        VrmTokenizer tokenizer, PromptTemplate template, int? limit = null, bool skipInvalid = false)
    {
        var result = DatasetReader.Load(path, new DatasetLoadOptions { Split = split, Tasks = tasks, SkipInvalid = skipInvalid });
        var examples = result.Examples;
        if (limit is { } n && examples.Count > n) examples = examples.Take(n).ToList();
        if (examples.Count == 0)
            throw new InvalidDataException($"{path}: no examples for split '{split ?? "any"}' and tasks [{string.Join(", ", tasks ?? [])}]");
        return FromExamples(examples, vision, tokenizer, template);
    }

    public static ExampleSet FromExamples(IReadOnlyList<DatasetExample> examples, VisionConfig vision, VrmTokenizer tokenizer, PromptTemplate template)
    {
        // Decode in parallel (SkiaSharp, no torch), convert on this thread (torch stays on one thread).
        var decoded = new RgbImage[examples.Count];
        Parallel.For(0, examples.Count, i => decoded[i] = ImageDecoder.Decode(examples[i].ImagePath));
        Tensor images;
        using (var scope = NewDisposeScope())
        {
            images = ImageTensor.Batch(decoded.Select(d => (d.Rgb, d.Width, d.Height)).ToList(), vision).MoveToOuterDisposeScope();
        }
        var prompts = examples.Select(e => template.EncodePrompt(tokenizer, e.Problem)).ToArray();
        return new ExampleSet(examples, images, prompts);
    }

    /// <summary>Images of the given rows: [n, 3, S, S].</summary>
    public Tensor ImagesOf(IReadOnlyList<int> rows)
    {
        using var idx = tensor(rows.Select(r => (long)r).ToArray());
        return Images.index_select(0, idx);
    }

    public void Dispose() => Images.Dispose();
}
