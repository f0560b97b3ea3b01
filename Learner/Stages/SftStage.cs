using System.Globalization;
using Vrm.Learner.Training;
using Vrm.Policy;

namespace Vrm.Learner.Stages;

public sealed record SftResult(int Examples, double FinalLoss, double FinalTokenAccuracy, TimeSpan Elapsed);

/// <summary>Stage 2 end to end: from a pretrained checkpoint, fine-tune projector + LM on reasoning traces, save.</summary>
public static class SftStage
{
    public static SftResult Run(string dataPath, string initCheckpoint, string outDir, SftOptions options, Action<string> log,
        IReadOnlyCollection<string>? tasks = null, int? trainLimit = null)
    {
        var (model, tokenizer) = PolicyFactory.Load(initCheckpoint);
        using var _ = model;
        using var train = ExampleSet.Load(dataPath, "train", tasks, model.Config.Vision, tokenizer, PromptTemplate.Default, trainLimit);
        log($"sft: {train.Count} examples ({string.Join(", ", train.Examples.GroupBy(e => e.Task).Select(g => $"{g.Key} {g.Count()}"))}); {options.Steps} steps of {options.BatchSize}, encoder {(options.TrainVision ? "trained" : "frozen")}");
        var trainer = new SftTrainer(model, train, tokenizer, options);
        var progress = new StageProgress("sft", options.Steps, log);
        double emaLoss = double.NaN, emaAcc = double.NaN;
        foreach (var s in trainer.Run())
        {
            emaLoss = double.IsNaN(emaLoss) ? s.Loss : 0.95 * emaLoss + 0.05 * s.Loss;
            emaAcc = double.IsNaN(emaAcc) ? s.TokenAccuracy : 0.95 * emaAcc + 0.05 * s.TokenAccuracy;
            progress.Report(s.Step + 1, $"loss {emaLoss:0.000} token-acc {emaAcc:0.000} lr {s.LearningRate:0.0e0}");
        }
        var inv = CultureInfo.InvariantCulture;
        var meta = new Dictionary<string, string>(Checkpoint.ReadMetadata(initCheckpoint), StringComparer.Ordinal)
        {
            ["stage"] = "sft",
            ["sft_examples"] = train.Count.ToString(inv),
            ["sft_steps"] = options.Steps.ToString(inv),
            ["sft_final_loss"] = emaLoss.ToString("R", inv),
            ["seed"] = options.Seed.ToString(inv),
        };
        meta.Remove("format");
        Checkpoint.Save(outDir, model.Config, model, tokenizer, meta);
        log($"sft: done in {StageProgress.Fmt(progress.Elapsed)}, loss {emaLoss:0.000}, token accuracy {emaAcc:0.000} → {outDir}");
        return new SftResult(train.Count, emaLoss, emaAcc, progress.Elapsed);
    }
}
