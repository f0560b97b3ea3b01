using System.Text.Json;
using Vrm.Data.ShapesWorld;
using Vrm.Learner.Evaluation;
using Vrm.Learner.Reporting;
using Vrm.Learner.Training;
using Vrm.Policy;

namespace Vrm.Learner.Stages;

/// <summary>Greedy evaluation of a checkpoint on one or more splits; rows per split and task.</summary>
public static class EvalStage
{
    public static IReadOnlyList<EvalRow> Run(string checkpoint, string dataPath, IReadOnlyList<string> splits,
        IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, Action<string> log, string? samplesPath = null)
    {
        var (model, tokenizer) = PolicyFactory.Load(checkpoint);
        using var _ = model;
        return Run(model, tokenizer, dataPath, splits, tasks, limitPerSplit, maxNewTokens, log, samplesPath);
    }

    public static IReadOnlyList<EvalRow> Run(VrmModel model, VrmTokenizer tokenizer, string dataPath, IReadOnlyList<string> splits,
        IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, Action<string> log, string? samplesPath = null)
    {
        var all = new List<EvalSample>();
        foreach (var split in splits)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var set = ExampleSet.Load(dataPath, split, tasks, model.Config.Vision, tokenizer, PromptTemplate.Default, limitPerSplit);
            var (_, samples) = Evaluator.Run(model, set, tokenizer, maxNewTokens);
            all.AddRange(samples);
            log($"eval: {split}: {set.Count} examples in {started.Elapsed.TotalSeconds:0.0}s");
            if (CountTraceDiagnostics.Of(samples, set.Examples) is { } d)
                log($"eval: {split}: count traces: {d.Describe()}");
        }
        if (samplesPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(samplesPath))!);
            File.WriteAllLines(samplesPath, all.Select(s => JsonSerializer.Serialize(s)));
        }
        return Evaluator.Summarise(all);
    }

    /// <summary>Sampled pass@k (<see cref="PassAtK"/>) of a checkpoint on the same splits, tasks and limits as the greedy evaluation.</summary>
    public static IReadOnlyList<PassAtKRow> RunPassAtK(string checkpoint, string dataPath, IReadOnlyList<string> splits,
        IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, int samplesPerExample, double temperature, ulong seed,
        Action<string> log)
    {
        var (model, tokenizer) = PolicyFactory.Load(checkpoint);
        using var _ = model;
        var rows = new List<PassAtKRow>();
        foreach (var split in splits)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var set = ExampleSet.Load(dataPath, split, tasks, model.Config.Vision, tokenizer, PromptTemplate.Default, limitPerSplit);
            rows.AddRange(PassAtK.Run(model, set, tokenizer, maxNewTokens, samplesPerExample, temperature, seed));
            log($"eval: {split}: pass@k, {samplesPerExample} samples × {set.Count} examples at temperature {temperature} in {started.Elapsed.TotalSeconds:0.0}s");
        }
        return rows;
    }
}
