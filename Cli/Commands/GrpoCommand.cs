using System.CommandLine;
using Vrm.Learner;
using Vrm.Learner.Grpo;
using Vrm.Learner.Stages;

namespace Vrm.Cli.Commands;

/// <summary><c>vrm grpo</c>: single-process GRPO from an SFT checkpoint (sampling in-process), resumable.</summary>
public static class GrpoCommand
{
    /// <summary>The GRPO knobs shared by <c>vrm grpo</c>, <c>vrm train</c> and <c>vrm bench learn</c>.</summary>
    public sealed class Knobs(GrpoOptions? defaults = null, int defaultSteps = 100, int defaultEvalLimit = 200, int defaultEvalEvery = 0)
    {
        private static GrpoOptions Fallback => new DefaultRecipe().Grpo;

        public readonly Option<int> Steps = new("--steps") { Description = "GRPO steps", DefaultValueFactory = _ => defaultSteps };
        public readonly Option<int> Prompts = new("--prompts-per-step") { Description = "B: prompts per step", DefaultValueFactory = _ => (defaults ?? Fallback).PromptsPerStep };
        public readonly Option<int> Group = new("--group-size") { Description = "G: completions per prompt", DefaultValueFactory = _ => (defaults ?? Fallback).GroupSize };
        public readonly Option<double> Lr = new("--lr") { DefaultValueFactory = _ => (defaults ?? Fallback).LearningRate };
        public readonly Option<double> Beta = new("--kl-beta") { Description = "β of the k3 KL to the reference; 0 drops the reference", DefaultValueFactory = _ => (defaults ?? Fallback).KlBeta };
        public readonly Option<double> ClipLow = new("--clip-low") { DefaultValueFactory = _ => (defaults ?? Fallback).ClipLow };
        public readonly Option<double> ClipHigh = new("--clip-high") { Description = "ε_high (DAPO clip-higher: 0.28); binds only with --policy-iterations > 1 or stale samples", DefaultValueFactory = _ => (defaults ?? Fallback).ClipHigh };
        public readonly Option<AdvantageMode> Advantage = new("--advantage") { Description = "group | none | batch", DefaultValueFactory = _ => (defaults ?? Fallback).Advantage };
        public readonly Option<LossAggregation> Aggregation = new("--loss-agg") { Description = "TokenMean | SeqMeanTokenMean | SeqMeanTokenSumNorm", DefaultValueFactory = _ => (defaults ?? Fallback).Aggregation };
        public readonly Option<int> Mu = new("--policy-iterations") { Description = "μ updates per batch", DefaultValueFactory = _ => (defaults ?? Fallback).PolicyIterations };
        public readonly Option<int> Warmup = new("--warmup-steps") { DefaultValueFactory = _ => (defaults ?? Fallback).WarmupSteps };
        public readonly Option<bool> Dynamic = new("--dynamic-sampling") { Description = "Drop zero-variance groups and refill (DAPO)", DefaultValueFactory = _ => (defaults ?? Fallback).DynamicSampling };
        public readonly Option<LrScheduleKind> Schedule = new("--lr-schedule") { Description = "Constant | Cosine (after warmup)", DefaultValueFactory = _ => (defaults ?? Fallback).Schedule };
        public readonly Option<double> Temperature = new("--temperature") { DefaultValueFactory = _ => (defaults ?? Fallback).Temperature };
        public readonly Option<int> MaxNew = new("--max-new-tokens") { DefaultValueFactory = _ => (defaults ?? Fallback).MaxNewTokens };
        public readonly Option<double> ConsistencyWeight = new("--consistency-weight") { Description = "Weight of the reasoning–answer consistency reward (count traces; 0: off — at 0.5 GRPO gamed the label, see Rewards/README.md)", DefaultValueFactory = _ => (defaults ?? Fallback).ConsistencyWeight };
        public readonly Option<double> GroundingWeight = new("--grounding-weight") { Description = "Weight of the grounding reward: the objects the reasoning lists against the annotated ones (needs the dataset's reasoning traces; 0: off)", DefaultValueFactory = _ => (defaults ?? Fallback).GroundingWeight };
        public readonly Option<bool> TrainVision = new("--train-vision") { Description = "Also update the vision encoder (default: frozen)", DefaultValueFactory = _ => (defaults ?? Fallback).TrainVision };
        public readonly Option<ulong> Seed = new("--seed") { DefaultValueFactory = _ => 1UL };
        public readonly Option<int> EvalEvery = new("--eval-every") { Description = "Evaluate test/ood every E steps (0: before and after only)", DefaultValueFactory = _ => defaultEvalEvery };
        public readonly Option<int> EvalLimit = new("--eval-limit") { Description = "Examples per split in evaluations", DefaultValueFactory = _ => defaultEvalLimit };
        public readonly Option<int> PassAtK = new("--pass-at-k") { Description = "Samples per example for pass@k on test and ood before and after, at the rollout temperature (0: off)", DefaultValueFactory = _ => 8 };
        public readonly Option<int> CheckpointEvery = new("--checkpoint-every") { Description = "Checkpoint every K steps (0: at the end)", DefaultValueFactory = _ => 25 };
        public readonly Option<string[]> Tasks = new("--task") { Description = "Tasks to train on (repeatable)", DefaultValueFactory = _ => ["count"], AllowMultipleArgumentsPerToken = true };

        public IEnumerable<Option> All => [Warmup, Schedule, Steps, Prompts, Group, Lr, Beta, ClipLow, ClipHigh, Advantage, Aggregation, Mu, Dynamic, Temperature, MaxNew, ConsistencyWeight, GroundingWeight, TrainVision, Seed, EvalEvery, EvalLimit, PassAtK, CheckpointEvery, Tasks];

        public GrpoOptions Grpo(ParseResult pr) => new()
        {
            PromptsPerStep = pr.GetValue(Prompts), GroupSize = pr.GetValue(Group), LearningRate = pr.GetValue(Lr),
            KlBeta = pr.GetValue(Beta), ClipLow = pr.GetValue(ClipLow), ClipHigh = pr.GetValue(ClipHigh),
            Advantage = pr.GetValue(Advantage), Aggregation = pr.GetValue(Aggregation), PolicyIterations = pr.GetValue(Mu),
            DynamicSampling = pr.GetValue(Dynamic), Schedule = pr.GetValue(Schedule), WarmupSteps = pr.GetValue(Warmup), Temperature = pr.GetValue(Temperature), MaxNewTokens = pr.GetValue(MaxNew),
            TrainVision = pr.GetValue(TrainVision), ConsistencyWeight = pr.GetValue(ConsistencyWeight), GroundingWeight = pr.GetValue(GroundingWeight),
        };

        public GrpoRunOptions Run(ParseResult pr, string init, string data, string runDir) => new()
        {
            InitCheckpoint = init, DataPath = data, RunDir = runDir, Grpo = Grpo(pr), Steps = pr.GetValue(Steps), Seed = pr.GetValue(Seed),
            Tasks = pr.GetValue(Tasks)!, EvalEvery = pr.GetValue(EvalEvery), EvalLimit = pr.GetValue(EvalLimit), PassAtKSamples = pr.GetValue(PassAtK), CheckpointEvery = pr.GetValue(CheckpointEvery),
        };
    }

    public static Command Create()
    {
        var knobs = new Knobs();
        var init = new Option<string>("--init") { Description = "SFT checkpoint to start from", Required = true };
        var data = new Option<string>("--data") { Description = "Dataset folder", Required = true };
        var runDir = new Option<string>("--run-dir") { Description = "Run folder (metrics.jsonl, checkpoints/, report.html); resumes from its newest checkpoint", Required = true };
        var stopAfter = new Option<int?>("--stop-after") { Description = "Stop after this many steps in this process (the run stays resumable)" };
        var cmd = new Command("grpo", "GRPO in one process: sample B×G, reward, group-relative advantages, clipped update with KL; evaluate and checkpoint");
        foreach (var o in knobs.All.Concat([init, data, runDir, stopAfter])) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr) => TrainingCommands.Guard("grpo", () =>
        {
            var options = knobs.Run(pr, pr.GetValue(init)!, pr.GetValue(data)!, pr.GetValue(runDir)!) with { StopAfterSteps = pr.GetValue(stopAfter) };
            using var run = new GrpoRun(options, Console.WriteLine);
            var result = run.Execute();
            if (result.Finished) EvalTable.Print(result.After, result.Before, "GRPO before / after");
            Console.WriteLine(result.Finished ? $"run folder: {Path.GetFullPath(result.RunDir)} (report.html)" : $"stopped at step {run.Trainer.Step}; resume with the same command");
        }));
        return cmd;
    }
}
