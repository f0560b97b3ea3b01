namespace Vrm.Learner.Grpo;

/// <summary>A whole <c>vrm grpo</c> run: where from, where to, how long, how often to evaluate and checkpoint.</summary>
public sealed record GrpoRunOptions
{
    public required string InitCheckpoint { get; init; }
    public required string DataPath { get; init; }
    public required string RunDir { get; init; }
    public GrpoOptions Grpo { get; init; } = new();
    public int Steps { get; init; } = 100;
    public ulong Seed { get; init; } = 1;
    /// <summary>Tasks to train on (default: count, the task the benchmark measures).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = ["count"];
    public int? TrainLimit { get; init; }
    /// <summary>Evaluate on test and ood every E steps (0: only before and after).</summary>
    public int EvalEvery { get; init; } = 0;
    public int EvalLimit { get; init; } = 200;
    /// <summary>Checkpoint every K steps (0: only at the end).</summary>
    public int CheckpointEvery { get; init; } = 0;
    /// <summary>Stop (as if killed) after this many steps of this process; used to test resume.</summary>
    public int? StopAfterSteps { get; init; }
    /// <summary>Continue from the newest checkpoint in <see cref="RunDir"/> if there is one.</summary>
    public bool Resume { get; init; } = true;
    public bool EvaluateBeforeAndAfter { get; init; } = true;
    /// <summary>
    /// Samples per held-out example for pass@k before and after the run, at the rollout temperature (0: off). GRPO mostly
    /// turns answers the start finds in a few tries into first answers, so the start's pass@k shows the room it has.
    /// Before and after are drawn with the same seed (the run's), so the two measurements are paired: an example's samples
    /// differ only because the policy did. Their own generator leaves training's random streams untouched.
    /// </summary>
    public int PassAtKSamples { get; init; } = 8;

    public void Validate()
    {
        Grpo.Validate();
        if (Steps < 0) throw new ArgumentException($"grpo.steps ({Steps}) must be >= 0");
        if (EvalEvery < 0 || CheckpointEvery < 0) throw new ArgumentException("grpo: eval_every and checkpoint_every must be >= 0");
        if (EvalLimit < 1) throw new ArgumentException($"grpo.eval_limit ({EvalLimit}) must be >= 1");
        if (PassAtKSamples < 0) throw new ArgumentException($"grpo.pass_at_k_samples ({PassAtKSamples}) must be >= 0");
    }
}
