using System.Globalization;
using Vrm.Learner.Pretraining;
using Vrm.Learner.Training;
using Vrm.Policy;
using Vrm.Policy.Config;

namespace Vrm.Learner.Stages;

/// <summary>
/// Stage 1 end to end: load captioned train images, contrastive-train the vision encoder, measure held-out
/// retrieval, and save a checkpoint whose vision weights are trained (projector and LM are still at init).
/// </summary>
public static class PretrainStage
{
    public static RetrievalResult Run(string dataPath, string outDir, ContrastiveOptions options, Action<string> log,
        int? trainLimit = null, int heldOutLimit = 512, VrmConfig? config = null)
    {
        var tokenizer = VrmTokenizer.Default;
        using var model = PolicyFactory.Create(tokenizer, options.Seed, config);
        var template = PromptTemplate.Default;
        bool scenes = options.SceneWeight > 0;
        using var train = ExampleSet.Load(dataPath, "train", null, model.Config.Vision, tokenizer, template, trainLimit, readScenes: scenes);
        using var heldOut = ExampleSet.Load(dataPath, "test", null, model.Config.Vision, tokenizer, template, heldOutLimit, readScenes: scenes);
        log($"pretrain: {train.Count} train images, {heldOut.Count} held-out; {options.Steps} steps of {options.BatchSize}");
        var trainer = new ContrastivePretrainer(model, tokenizer, options);
        var before = trainer.Evaluate(heldOut);
        var progress = new StageProgress("pretrain", options.Steps, log);
        double emaLoss = double.NaN, emaAcc = double.NaN, emaScene = double.NaN;
        foreach (var s in trainer.Run(train))
        {
            emaLoss = double.IsNaN(emaLoss) ? s.Loss : 0.95 * emaLoss + 0.05 * s.Loss;
            emaAcc = double.IsNaN(emaAcc) ? s.BatchAccuracy : 0.95 * emaAcc + 0.05 * s.BatchAccuracy;
            emaScene = double.IsNaN(emaScene) ? s.SceneLoss : 0.95 * emaScene + 0.05 * s.SceneLoss;
            progress.Report(s.Step + 1, $"loss {emaLoss:0.000} batch-acc {emaAcc:0.00} τ {s.Temperature:0.000}" + (scenes ? $" scene-loss {emaScene:0.000}" : ""));
        }
        var after = trainer.Evaluate(heldOut);
        log($"pretrain: held-out image→caption top-1 {after.Top1Accuracy:P1} over {after.Candidates} captions " +
            $"(before training {before.Top1Accuracy:P1}, chance {after.Chance:P2}) in {StageProgress.Fmt(progress.Elapsed)}");
        var scene = trainer.EvaluateScene(heldOut);
        if (scene is not null)
            log($"pretrain: held-out object patches ({scene.ObjectPatches}): colour {scene.ColorAccuracy:P1}, shape {scene.ShapeAccuracy:P1} right");
        var inv = CultureInfo.InvariantCulture;
        var meta = new Dictionary<string, string>
        {
            ["stage"] = "pretrain",
            ["retrieval_top1"] = after.Top1Accuracy.ToString("R", inv),
            ["retrieval_candidates"] = after.Candidates.ToString(inv),
            ["retrieval_top1_before"] = before.Top1Accuracy.ToString("R", inv),
            ["seed"] = options.Seed.ToString(inv),
            ["scene_weight"] = options.SceneWeight.ToString("R", inv),
        };
        if (scene is not null)
        {
            meta["scene_patch_color_accuracy"] = scene.ColorAccuracy.ToString("R", inv);
            meta["scene_patch_shape_accuracy"] = scene.ShapeAccuracy.ToString("R", inv);
        }
        Checkpoint.Save(outDir, model.Config, model, tokenizer, meta);
        return after;
    }
}
