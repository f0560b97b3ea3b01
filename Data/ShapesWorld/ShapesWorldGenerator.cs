using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vrm.Data.ShapesWorld;

/// <summary>What to generate: a seed, the task families, and how many examples per split.</summary>
public sealed record ShapesWorldRequest(ulong Seed, IReadOnlyList<string> Tasks, IReadOnlyDictionary<string, int> Counts);

/// <summary>Progress of <see cref="ShapesWorldGenerator.Write"/>: examples done out of the split's total.</summary>
public readonly record struct GenerationProgress(string Split, int Done, int Total);

/// <summary>
/// ShapesWorld: procedurally rendered scenes with a scene graph as ground truth, and the questions of each
/// task family about them. Every example is a pure function of (seed, split, task, index), so a dataset is
/// reproduced byte for byte from its seed, and examples are generated in parallel without changing a byte.
/// </summary>
/// <remarks>
/// Folder layout written by <see cref="Write"/>: <c>{split}.jsonl</c> per split (train, test, ood), images in
/// <c>images/{split}/000001.png</c>, and <c>manifest.json</c> recording the seed, options and counts.
/// With several tasks, example i of a split belongs to task <c>tasks[i % tasks.Count]</c> (round robin).
/// </remarks>
public sealed class ShapesWorldGenerator
{
    private readonly Dictionary<string, ITaskFamily> _families;
    private readonly SceneRenderer _renderer;

    public ShapesWorldGenerator(ShapesWorldOptions? options = null)
    {
        Options = options ?? new ShapesWorldOptions();
        Options.Validate();
        Sampler = new SceneSampler(Options);
        _renderer = new SceneRenderer(Options);
        ITaskFamily[] families = [new ClassifyTask(), new CountTask(), new ComposeTask(), new ChartTask()];
        _families = families.ToDictionary(f => f.Name);
    }

    public ShapesWorldOptions Options { get; }
    public SceneSampler Sampler { get; }

    /// <summary>The question, answer and scene of one example, without drawing it.</summary>
    public TaskItem MakeItem(ulong seed, string split, string task, int index)
    {
        if (!_families.TryGetValue(task, out var family)) TaskNames.Code(task);   // throws the clear message
        var rng = new SeededRandom(SeededRandom.Derive(seed, Splits.Code(split), TaskNames.Code(task), (ulong)index));
        return family!.Make(Sampler, split, rng);
    }

    /// <summary>One example with its PNG; the example's <see cref="DatasetExample.ImagePath"/> is relative (images/{split}/…).</summary>
    public GeneratedExample Generate(ulong seed, string split, string task, int index)
    {
        var item = MakeItem(seed, split, task, index);
        string number = (index + 1).ToString("D6", CultureInfo.InvariantCulture);
        var example = new DatasetExample($"{split}-{number}", $"images/{split}/{number}.png", item.Problem, item.Solution, task, split)
        {
            Reasoning = item.Reasoning,
            Caption = Captions.Of(item.Scene),
            Scene = item.Scene,
        };
        return new GeneratedExample(example, _renderer.RenderPng(item.Scene));
    }

    public RgbImage Render(SceneGraph scene) => _renderer.Render(scene);
    public byte[] RenderPng(SceneGraph scene) => _renderer.RenderPng(scene);

    /// <summary>Writes every requested split into <paramref name="outDir"/> (layout in the class remarks).</summary>
    public ShapesWorldManifest Write(string outDir, ShapesWorldRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken ct = default)
    {
        if (request.Tasks.Count == 0) throw new ArgumentException("no tasks requested");
        foreach (var t in request.Tasks) TaskNames.Code(t);
        foreach (var (split, count) in request.Counts)
        {
            Splits.Code(split);
            if (count < 0) throw new ArgumentException($"count for split '{split}' is negative ({count})");
        }

        Directory.CreateDirectory(outDir);
        var files = new List<string>();
        // Chunks bound memory (PNG bytes wait here until written) while still letting both cores render.
        const int chunk = 512;
        foreach (var split in Splits.All.Where(request.Counts.ContainsKey))
        {
            int total = request.Counts[split];
            string imageDir = Path.Combine(outDir, "images", split);
            Directory.CreateDirectory(imageDir);
            string jsonl = Path.Combine(outDir, $"{split}.jsonl");
            files.Add($"{split}.jsonl");
            using var writer = new StreamWriter(jsonl, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
            var batch = new GeneratedExample[Math.Min(chunk, Math.Max(total, 1))];
            progress?.Report(new GenerationProgress(split, 0, total));
            for (int start = 0; start < total; start += chunk)
            {
                ct.ThrowIfCancellationRequested();
                int n = Math.Min(chunk, total - start);
                Parallel.For(0, n, new ParallelOptions { CancellationToken = ct },
                    i => batch[i] = Generate(request.Seed, split, request.Tasks[(start + i) % request.Tasks.Count], start + i));
                for (int i = 0; i < n; i++)
                {
                    var e = batch[i].Example;
                    File.WriteAllBytes(Path.Combine(outDir, e.ImagePath), batch[i].Png);
                    writer.WriteLine(DatasetJson.ToLine(e, e.ImagePath));
                }
                progress?.Report(new GenerationProgress(split, start + n, total));
            }
        }

        var manifest = new ShapesWorldManifest(request.Seed, [.. request.Tasks],
            Splits.All.Where(request.Counts.ContainsKey).ToDictionary(s => s, s => request.Counts[s]), files, Options);
        File.WriteAllText(Path.Combine(outDir, "manifest.json"), JsonSerializer.Serialize(manifest, ManifestJson) + "\n",
            new UTF8Encoding(false));
        return manifest;
    }

    private static readonly JsonSerializerOptions ManifestJson = new(DatasetJson.SceneOptions) { WriteIndented = true };
}

/// <summary>What a generated folder holds and how it was made (manifest.json); enough to regenerate it.</summary>
public sealed record ShapesWorldManifest(
    ulong Seed, IReadOnlyList<string> Tasks, IReadOnlyDictionary<string, int> Counts, IReadOnlyList<string> Files, ShapesWorldOptions Options)
{
    public string Generator => "shapesworld";
}
