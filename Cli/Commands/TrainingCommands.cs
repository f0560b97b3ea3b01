using System.CommandLine;
using Vrm.Learner.Pretraining;
using Vrm.Learner.Stages;
using Vrm.Learner.Training;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm pretrain</c> (stage 1: CLIP-style vision pretraining), <c>vrm sft</c> (stage 2: LLaVA fine-tuning of
/// projector + LM) and <c>vrm eval</c> (greedy evaluation per split and task).
/// </summary>
public static class TrainingCommands
{
    public static Command Pretrain()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder (train split with captions; test split held out)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Checkpoint folder to write", Required = true };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => new ContrastiveOptions().Steps };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => new ContrastiveOptions().BatchSize };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => new ContrastiveOptions().LearningRate };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1UL };
        var limit = new Option<int?>("--limit") { Description = "Use at most this many training images" };
        var sceneWeight = new Option<double>("--scene-weight")
        {
            Description = "Weight of the per-patch scene loss (object colour and shape under each patch, from the data's scene graphs) added to InfoNCE; 0: contrastive only",
            DefaultValueFactory = _ => new ContrastiveOptions().SceneWeight,
        };
        var cmd = new Command("pretrain", "Stage 1: contrastive (CLIP-style) pretraining of the vision encoder against scene captions");
        foreach (var o in new Option[] { data, outDir, steps, batch, lr, seed, limit, sceneWeight }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr) => Guard("pretrain", () =>
        {
            var options = new ContrastiveOptions { Steps = pr.GetValue(steps), BatchSize = pr.GetValue(batch), LearningRate = pr.GetValue(lr), Seed = pr.GetValue(seed),
                SceneWeight = pr.GetValue(sceneWeight) };
            PretrainStage.Run(pr.GetValue(data)!, pr.GetValue(outDir)!, options, Console.WriteLine, pr.GetValue(limit));
        }));
        return cmd;
    }

    public static Command Sft()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder (train split)", Required = true };
        var init = new Option<string>("--init") { Description = "Pretrained checkpoint to start from (vrm pretrain --out)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Checkpoint folder to write", Required = true };
        var tasks = new Option<string[]>("--task") { Description = "Train only on these tasks (repeatable); default all", AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => new SftOptions().Steps };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => new SftOptions().BatchSize };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => new SftOptions().LearningRate };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 1UL };
        var limit = new Option<int?>("--limit") { Description = "Use at most this many training examples (a deliberately small SFT set leaves room for GRPO)" };
        var trainVision = new Option<bool>("--train-vision") { Description = "Also train the vision encoder (default: frozen, as in LLaVA stage 2)" };
        var cmd = new Command("sft", "Stage 2: supervised fine-tuning of projector + LM on reasoning traces (vision encoder frozen unless --train-vision)");
        foreach (var o in new Option[] { data, init, outDir, tasks, steps, batch, lr, seed, limit, trainVision }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr) => Guard("sft", () =>
        {
            var options = new SftOptions { Steps = pr.GetValue(steps), BatchSize = pr.GetValue(batch), LearningRate = pr.GetValue(lr), Seed = pr.GetValue(seed), TrainVision = pr.GetValue(trainVision) };
            var t = pr.GetValue(tasks);
            SftStage.Run(pr.GetValue(data)!, pr.GetValue(init)!, pr.GetValue(outDir)!, options, Console.WriteLine, t is { Length: > 0 } ? t : null, pr.GetValue(limit));
        }));
        return cmd;
    }

    public static Command Eval()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint folder", Required = true };
        var data = new Option<string>("--data") { Description = "Dataset folder", Required = true };
        var splits = new Option<string[]>("--split") { Description = "Splits to evaluate (repeatable)", DefaultValueFactory = _ => ["test", "ood"], AllowMultipleArgumentsPerToken = true };
        var tasks = new Option<string[]>("--task") { Description = "Only these tasks (repeatable); default all", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int?>("--limit") { Description = "At most this many examples per split" };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => 64 };
        var json = new Option<string?>("--json") { Description = "Write the rows as JSON here" };
        var samples = new Option<string?>("--samples") { Description = "Write every greedy completion as JSONL here" };
        // Sampled pass@k beside the greedy figures: how much a checkpoint already finds in k tries, the room GRPO can sharpen.
        var passK = new Option<int>("--pass-at-k") { Description = "Also sample this many completions per example and report pass@1, 2, 4 … n (0: off)", DefaultValueFactory = _ => 0 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature of --pass-at-k (the recipe's rollouts use 0.7)", DefaultValueFactory = _ => 0.7 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of --pass-at-k's sampling", DefaultValueFactory = _ => 1UL };
        var passJson = new Option<string?>("--pass-json") { Description = "Write the pass@k rows as JSON here" };
        var cmd = new Command("eval", "Greedy evaluation: accuracy, format rate and mean length per task and split; optionally sampled pass@k");
        foreach (var o in new Option[] { checkpoint, data, splits, tasks, limit, maxNew, json, samples, passK, temperature, seed, passJson }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr) => Guard("eval", () =>
        {
            int n = pr.GetValue(passK);
            double temp = pr.GetValue(temperature);
            if (n < 0) throw new ArgumentException($"--pass-at-k must be >= 0 (got {n})");
            if (n > 0 && (!double.IsFinite(temp) || temp <= 0)) throw new ArgumentException($"--temperature must be a finite number > 0 for --pass-at-k (got {temp})");
            var t = pr.GetValue(tasks);
            var (rows, pass) = EvalStage.RunWithPassAtK(pr.GetValue(checkpoint)!, pr.GetValue(data)!, pr.GetValue(splits)!, t is { Length: > 0 } ? t : null,
                pr.GetValue(limit), pr.GetValue(maxNew), n > 0 ? new Vrm.Learner.Evaluation.PassAtKSettings(n, temp, pr.GetValue(seed)) : null, Console.WriteLine, pr.GetValue(samples));
            EvalTable.Print(rows, title: $"eval {pr.GetValue(checkpoint)}");
            if (pr.GetValue(json) is { } path) EvalTable.WriteJson(path, rows);
            if (n == 0) return;
            EvalTable.PrintPassAtK(pass, $"pass@k, {n} samples per example at temperature {temp.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            if (pr.GetValue(passJson) is { } pj) EvalTable.WriteJson(pj, pass);
        }));
        return cmd;
    }

    /// <summary>Known input faults end with a one-line message and exit code 2, not a stack trace.</summary>
    public static int Guard(string verb, Action body)
    {
        try { body(); return 0; }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or Vrm.Data.DatasetInvalidException)
        {
            Console.Error.WriteLine($"vrm {verb}: {e.Message}");
            return 2;
        }
    }
}
