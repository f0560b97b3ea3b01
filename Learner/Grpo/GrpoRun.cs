using System.Globalization;
using System.Text.Json;
using TorchSharp;
using Vrm.Learner.Evaluation;
using Vrm.Learner.Reporting;
using Vrm.Learner.Stages;
using Vrm.Learner.Training;
using Vrm.Policy;
using Vrm.Rewards;

namespace Vrm.Learner.Grpo;

/// <param name="BeforeTraces">Count-trace skills per split before GRPO (empty on a resumed run: the first evaluation ran in an earlier process).</param>
public sealed record GrpoRunResult(string RunDir, IReadOnlyList<EvalRow> Before, IReadOnlyList<EvalRow> After,
    IReadOnlyList<Dictionary<string, double>> Steps, bool Finished, TimeSpan Elapsed,
    IReadOnlyDictionary<string, CountTraceDiagnostics> BeforeTraces, IReadOnlyDictionary<string, CountTraceDiagnostics> AfterTraces,
    IReadOnlyList<PassAtKRow> PassAtKBefore, IReadOnlyList<PassAtKRow> PassAtKAfter);

/// <summary>
/// A GRPO run in a folder: <c>metrics.jsonl</c>, <c>checkpoints/step-NNNNNN/</c> (weights, optimizer,
/// trainer state), <c>eval-before.json</c>, <c>eval-after.json</c>, <c>count-traces-before.json</c> /
/// <c>count-traces-after.json</c> (which counting skill moved), <c>report.html</c>. Resumes from the
/// newest checkpoint in the folder. The rollout source decides whether sampling is local or distributed.
/// </summary>
public sealed class GrpoRun : IDisposable
{
    public const string CheckpointsFolder = "checkpoints";
    private static readonly string[] ReportCurves =
    [
        "reward_mean", "accuracy", "format_rate", "reward_consistency_mean", "reward_grounding_mean", "kl", "entropy", "completion_length_tokens", "clip_fraction",
        "grad_norm", "zero_variance_groups_ratio", "distinct_completions_ratio", "eval_accuracy_test", "eval_accuracy_ood", "step_duration_seconds",
    ];

    private readonly GrpoRunOptions _o;
    private readonly Action<string> _log;
    public VrmModel Policy { get; }
    public VrmTokenizer Tokenizer { get; }
    public ExampleSet Train { get; }
    public GrpoTrainer Trainer { get; }
    private readonly VrmModel? _reference;
    private readonly ExampleSet _test, _ood;

    /// <param name="rolloutsFactory">Given the policy, train set and tokenizer, the rollout source; null → in-process sampling.</param>
    public GrpoRun(GrpoRunOptions options, Action<string> log, Func<VrmModel, ExampleSet, VrmTokenizer, IRolloutSource>? rolloutsFactory = null)
    {
        options.Validate();
        _o = options;
        _log = log;
        Directory.CreateDirectory(options.RunDir);
        (Policy, Tokenizer) = PolicyFactory.Load(options.InitCheckpoint);
        if (options.Grpo.KlBeta > 0) _reference = PolicyFactory.Load(options.InitCheckpoint).Model;
        var vision = Policy.Config.Vision;
        var sets = ExampleSet.LoadSplits(options.DataPath, [("train", options.TrainLimit), ("test", options.EvalLimit), ("ood", options.EvalLimit)],
            options.Tasks, vision, Tokenizer, PromptTemplate.Default);
        (Train, _test, _ood) = (sets[0], sets[1], sets[2]);
        var reward = new CompositeReward(GrpoTrainer.WeightsOf(options.Grpo));
        var rollouts = rolloutsFactory?.Invoke(Policy, Train, Tokenizer) ?? new LocalRolloutSource(Policy, Train, Tokenizer, reward);
        Trainer = new GrpoTrainer(Policy, _reference, Train, Tokenizer, rollouts, options.Grpo, options.Steps, options.Seed);
    }

    public static string? LatestCheckpoint(string runDir)
    {
        var dir = Path.Combine(runDir, CheckpointsFolder);
        if (!Directory.Exists(dir)) return null;
        return Directory.GetDirectories(dir, "step-*").Where(d => File.Exists(Path.Combine(d, TrainerState.FileName)))
            .OrderBy(d => d, StringComparer.Ordinal).LastOrDefault();
    }

    public GrpoRunResult Execute(Action<GrpoStepMetrics>? onStep = null, CancellationToken ct = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int resumedAt = -1;
        if (_o.Resume && LatestCheckpoint(_o.RunDir) is { } latest)
        {
            var state = LoadCheckpoint(latest);
            resumedAt = state.Step;
            Resumed?.Invoke(state.Step, state.PolicyVersion);
            _log($"grpo: resumed from {latest} at step {state.Step} (policy version {state.PolicyVersion})");
        }
        var beforePath = Path.Combine(_o.RunDir, "eval-before.json");
        IReadOnlyList<EvalRow> before = [];
        IReadOnlyDictionary<string, CountTraceDiagnostics> beforeTraces = new Dictionary<string, CountTraceDiagnostics>();
        IReadOnlyList<PassAtKRow> passBefore = [];
        if (_o.EvaluateBeforeAndAfter)
        {
            if (resumedAt >= 0 && File.Exists(beforePath))
            {
                // A resumed run's report still compares with the start: read back what the first process measured.
                before = JsonSerializer.Deserialize<List<EvalRow>>(File.ReadAllText(beforePath)) ?? [];
                if (File.Exists(PassAtKPath("before"))) passBefore = JsonSerializer.Deserialize<List<PassAtKRow>>(File.ReadAllText(PassAtKPath("before"))) ?? [];
            }
            else
            {
                (before, beforeTraces) = EvaluateWithTraces();
                File.WriteAllText(beforePath, JsonSerializer.Serialize(before, Indented));
                WriteTraces("before", beforeTraces);
                passBefore = EvaluatePassAtK();
                WritePassAtK("before", passBefore);
            }
        }

        var steps = new List<Dictionary<string, double>>();
        using (var log = new MetricsLog(Path.Combine(_o.RunDir, "metrics.jsonl"), resumedAt))
        {
            var progress = new StageProgress("grpo", _o.Steps, _log);
            int ranHere = 0;
            while (Trainer.Step < _o.Steps && !ct.IsCancellationRequested)
            {
                var m = Trainer.RunStep();
                ranHere++;
                if (_o.EvalEvery > 0 && Trainer.Step % _o.EvalEvery == 0 && Trainer.Step < _o.Steps)
                    foreach (var (key, value) in EvalMetrics.Of(Evaluate())) m[key] = value;
                onStep?.Invoke(m); // first: the caller may add to the step's metrics (e.g. weight sync time)
                log.Write(m);
                steps.Add(m);
                progress.Report(Trainer.Step, $"reward {m["reward_mean"]:0.000} acc {m["accuracy"]:0.000} fmt {m["format_rate"]:0.00} kl {m["kl"]:0.0000} {m["tokens_per_second"]:0} tok/s");
                if (_o.CheckpointEvery > 0 && Trainer.Step % _o.CheckpointEvery == 0) SaveCheckpoint();
                if (_o.StopAfterSteps is { } stop && ranHere >= stop) break;
            }
        }
        bool finished = Trainer.Step >= _o.Steps;
        if (finished && (_o.CheckpointEvery == 0 || Trainer.Step % _o.CheckpointEvery != 0)) SaveCheckpoint();
        IReadOnlyList<EvalRow> after = [];
        IReadOnlyList<PassAtKRow> passAfter = [];
        IReadOnlyDictionary<string, CountTraceDiagnostics> afterTraces = new Dictionary<string, CountTraceDiagnostics>();
        if (finished && _o.EvaluateBeforeAndAfter)
        {
            (after, afterTraces) = EvaluateWithTraces();
            File.WriteAllText(Path.Combine(_o.RunDir, "eval-after.json"), JsonSerializer.Serialize(after, Indented));
            WriteTraces("after", afterTraces);
            passAfter = EvaluatePassAtK();
            WritePassAtK("after", passAfter);
            var all = MetricsLog.ReadAll(Path.Combine(_o.RunDir, "metrics.jsonl"));
            // A multi-task run's per-task evaluation curves follow the fixed ones.
            var curves = ReportCurves.Concat(all.SelectMany(r => r.Keys)
                .Where(k => k.StartsWith(EvalMetrics.Prefix, StringComparison.Ordinal) && !ReportCurves.Contains(k)).Distinct().Order(StringComparer.Ordinal)).ToList();
            File.WriteAllText(Path.Combine(_o.RunDir, "report.html"), RunReport.Html($"GRPO run {Path.GetFileName(Path.GetFullPath(_o.RunDir))}",
                all, curves, before, after, new Dictionary<string, string>
                {
                    ["init checkpoint"] = _o.InitCheckpoint, ["steps"] = _o.Steps.ToString(CultureInfo.InvariantCulture),
                    ["B × G"] = $"{_o.Grpo.PromptsPerStep} × {_o.Grpo.GroupSize}", ["β"] = _o.Grpo.KlBeta.ToString(CultureInfo.InvariantCulture),
                    ["advantage"] = _o.Grpo.Advantage.ToString(), ["aggregation"] = _o.Grpo.Aggregation.ToString(),
                    ["dynamic sampling"] = _o.Grpo.DynamicSampling.ToString(), ["seed"] = _o.Seed.ToString(CultureInfo.InvariantCulture),
                }, [.. SkillTables(beforeTraces, afterTraces), .. PassAtKTables(passBefore, passAfter)]));
        }
        return new GrpoRunResult(_o.RunDir, before, after, steps, finished, clock.Elapsed, beforeTraces, afterTraces, passBefore, passAfter);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public IReadOnlyList<EvalRow> Evaluate() => EvaluateWithTraces().Rows;

    /// <summary>Greedy evaluation on test and ood, plus the count-trace skills of each split that has count traces.</summary>
    public (IReadOnlyList<EvalRow> Rows, IReadOnlyDictionary<string, CountTraceDiagnostics> Traces) EvaluateWithTraces()
    {
        var rows = new List<EvalRow>();
        var traces = new Dictionary<string, CountTraceDiagnostics>(StringComparer.Ordinal);
        foreach (var (split, set) in new[] { ("test", _test), ("ood", _ood) })
        {
            var (splitRows, samples) = Evaluator.Run(Policy, set, Tokenizer, _o.Grpo.MaxNewTokens);
            rows.AddRange(splitRows);
            if (CountTraceDiagnostics.Of(samples, set.Examples) is { } d) traces[split] = d;
        }
        return (rows, traces);
    }

    /// <summary>Sampled pass@k on test and ood at the rollout temperature (<see cref="GrpoRunOptions.PassAtKSamples"/>; empty when off).</summary>
    public IReadOnlyList<PassAtKRow> EvaluatePassAtK()
    {
        if (_o.PassAtKSamples == 0) return [];
        var rows = new List<PassAtKRow>();
        foreach (var set in new[] { _test, _ood })
            rows.AddRange(PassAtK.Run(Policy, set, Tokenizer, _o.Grpo.MaxNewTokens, _o.PassAtKSamples, _o.Grpo.Temperature, _o.Seed));
        return rows;
    }

    private string PassAtKPath(string when) => Path.Combine(_o.RunDir, $"pass-at-k-{when}.json");

    private void WritePassAtK(string when, IReadOnlyList<PassAtKRow> rows)
    {
        if (rows.Count == 0) return;
        foreach (var r in rows.Where(r => r.Task != Evaluator.AllTasks))
            _log($"grpo: {when}: {r.Split}: {r.Task}: pass@k at temperature {r.Temperature.ToString(CultureInfo.InvariantCulture)}: " +
                 string.Join(", ", r.PassAt.OrderBy(p => p.Key).Select(p => $"@{p.Key} {p.Value:P1}")));
        File.WriteAllText(PassAtKPath(when), JsonSerializer.Serialize(rows, Indented));
    }

    /// <summary>One before/after table per split and task: pass@k for each k.</summary>
    private static List<(string, IReadOnlyList<(string, double?, double?)>)> PassAtKTables(IReadOnlyList<PassAtKRow> before, IReadOnlyList<PassAtKRow> after)
    {
        var tables = new List<(string, IReadOnlyList<(string, double?, double?)>)>();
        foreach (var a in after)
        {
            var b = before.FirstOrDefault(x => x.Split == a.Split && x.Task == a.Task);
            tables.Add(($"pass@k at temperature {a.Temperature.ToString(CultureInfo.InvariantCulture)} ({a.Split}, {a.Task})",
                a.PassAt.OrderBy(p => p.Key).Select(p => ($"pass@{p.Key}", b is not null && b.PassAt.TryGetValue(p.Key, out var v) ? v : (double?)null, (double?)p.Value)).ToList()));
        }
        return tables;
    }

    private void WriteTraces(string when, IReadOnlyDictionary<string, CountTraceDiagnostics> traces)
    {
        foreach (var (split, d) in traces) _log($"grpo: {when}: {split}: count traces: {d.Describe()}");
        if (traces.Count > 0)
            File.WriteAllText(Path.Combine(_o.RunDir, $"count-traces-{when}.json"),
                JsonSerializer.Serialize(traces.ToDictionary(t => t.Key, t => t.Value.ToJsonShape()), Indented));
    }

    /// <summary>One before/after table per split evaluated after the run; Shares() has a fixed order, so rows pair up by position.</summary>
    private static List<(string, IReadOnlyList<(string, double?, double?)>)> SkillTables(
        IReadOnlyDictionary<string, CountTraceDiagnostics> before, IReadOnlyDictionary<string, CountTraceDiagnostics> after)
    {
        var tables = new List<(string, IReadOnlyList<(string, double?, double?)>)>();
        foreach (var (split, a) in after)
        {
            var b = before.TryGetValue(split, out var d) ? d.Shares().Select(x => x.Share).ToList() : null;
            tables.Add(($"Count skills ({split})", a.Shares().Select((x, i) => (x.Name, b?[i], x.Share)).ToList()));
        }
        return tables;
    }

    /// <summary>Raised when Execute has restored a checkpoint (step, policy version), before the first new step.</summary>
    public event Action<int, long>? Resumed;

    /// <summary>Raised after every checkpoint with its folder, step and policy version.</summary>
    public event Action<string, int, long>? CheckpointSaved;

    public string SaveCheckpoint()
    {
        var dir = Path.Combine(_o.RunDir, CheckpointsFolder, $"step-{Trainer.Step:D6}");
        var state = new TrainerState
        {
            Step = Trainer.Step, PolicyVersion = Trainer.Version, Seed = Trainer.Seed,
            CursorEpoch = Trainer.Cursor.Epoch, CursorPosition = Trainer.Cursor.Position,
            OptimizerSteps = Trainer.Optimizer.StepCount, InitCheckpoint = Path.GetFullPath(_o.InitCheckpoint),
            Options = Trainer.Options, TotalSteps = _o.Steps,
        };
        Checkpoint.Save(dir, Policy.Config, Policy, Tokenizer,
            new Dictionary<string, string> { ["stage"] = "grpo", ["step"] = Trainer.Step.ToString(CultureInfo.InvariantCulture), ["policy_version"] = Trainer.Version.ToString(CultureInfo.InvariantCulture) },
            writeExtras: tmp =>
            {
                Checkpoint.SaveTensors(Path.Combine(tmp, TrainerState.OptimizerFile), Trainer.Optimizer.StateTensors());
                File.WriteAllText(Path.Combine(tmp, TrainerState.FileName), state.ToJson());
            });
        Trainer.Rollouts.Checkpointed(Trainer.Step);
        CheckpointSaved?.Invoke(dir, Trainer.Step, Trainer.Version);
        return dir;
    }

    private TrainerState LoadCheckpoint(string dir)
    {
        var state = TrainerState.Read(dir);
        Checkpoint.LoadInto(dir, Policy, Policy.Config);
        var tensors = Checkpoint.LoadTensors(Path.Combine(dir, TrainerState.OptimizerFile));
        try { Trainer.Optimizer.LoadState(tensors, state.OptimizerSteps); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        Trainer.Update(state.Options);
        Trainer.Restore(state.Step, state.PolicyVersion, state.CursorEpoch, state.CursorPosition);
        return state;
    }

    public void Dispose()
    {
        Trainer.Dispose();
        Train.Dispose();
        _test.Dispose();
        _ood.Dispose();
        Policy.Dispose();
        _reference?.Dispose();
    }
}
