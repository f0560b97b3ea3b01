using System.Text.Json;
using Vrm.Data.ShapesWorld;
using Vrm.Learner.Evaluation;
using Vrm.Learner.Reporting;
using Vrm.Learner.Training;
using Vrm.Policy;

namespace Vrm.Learner.Stages;

/// <summary>Greedy evaluation of a checkpoint on one or more splits; rows per split and task; optionally sampled pass@k.</summary>
public static class EvalStage
{
    public static IReadOnlyList<EvalRow> Run(string checkpoint, string dataPath, IReadOnlyList<string> splits,
        IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, Action<string> log, string? samplesPath = null) =>
        RunWithPassAtK(checkpoint, dataPath, splits, tasks, limitPerSplit, maxNewTokens, null, log, samplesPath).Rows;

    /// <summary>The greedy rows and, when <paramref name="pass"/> is given, pass@k rows from the same model and the same loaded splits.</summary>
    public static (IReadOnlyList<EvalRow> Rows, IReadOnlyList<PassAtKRow> PassAtK) RunWithPassAtK(string checkpoint, string dataPath,
        IReadOnlyList<string> splits, IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, PassAtKSettings? pass,
        Action<string> log, string? samplesPath = null)
    {
        var (model, tokenizer) = PolicyFactory.Load(checkpoint);
        using var _ = model;
        return Run(model, tokenizer, dataPath, splits, tasks, limitPerSplit, maxNewTokens, pass, log, samplesPath);
    }

    public static IReadOnlyList<EvalRow> Run(VrmModel model, VrmTokenizer tokenizer, string dataPath, IReadOnlyList<string> splits,
        IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, Action<string> log, string? samplesPath = null) =>
        Run(model, tokenizer, dataPath, splits, tasks, limitPerSplit, maxNewTokens, null, log, samplesPath).Rows;

    private static (IReadOnlyList<EvalRow> Rows, IReadOnlyList<PassAtKRow> PassAtK) Run(VrmModel model, VrmTokenizer tokenizer, string dataPath,
        IReadOnlyList<string> splits, IReadOnlyCollection<string>? tasks, int? limitPerSplit, int maxNewTokens, PassAtKSettings? pass,
        Action<string> log, string? samplesPath)
    {
        var all = new List<EvalSample>();
        var passRows = new List<PassAtKRow>();
        foreach (var split in splits)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var set = ExampleSet.Load(dataPath, split, tasks, model.Config.Vision, tokenizer, PromptTemplate.Default, limitPerSplit);
            var (_, samples) = Evaluator.Run(model, set, tokenizer, maxNewTokens);
            all.AddRange(samples);
            log($"eval: {split}: {set.Count} examples in {started.Elapsed.TotalSeconds:0.0}s");
            if (CountTraceDiagnostics.Of(samples, set.Examples) is { } d)
                log($"eval: {split}: count traces: {d.Describe()}");
            if (pass is null) continue;
            started.Restart();
            passRows.AddRange(PassAtK.Run(model, set, tokenizer, maxNewTokens, pass.Samples, pass.Temperature, pass.Seed));
            log($"eval: {split}: pass@k, {pass.Samples} samples × {set.Count} examples at temperature " +
                $"{pass.Temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)} in {started.Elapsed.TotalSeconds:0.0}s");
        }
        if (samplesPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(samplesPath))!);
            File.WriteAllLines(samplesPath, all.Select(s => JsonSerializer.Serialize(s)));
        }
        return (Evaluator.Summarise(all), passRows);
    }
}
