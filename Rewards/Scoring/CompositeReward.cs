namespace Vrm.Rewards;

/// <summary>
/// The GRPO reward of DESIGN §4: <c>total = w_acc · correctness + w_fmt · format</c> (+ the optional consistency and
/// grounding rules), each item scored under one time bound shared by all rules. Thread-safe; a batch may be scored in parallel and the
/// result is the same as scoring it item by item (each item depends only on its own text), except
/// that an item near the time bound may land either side of it under heavy load.
/// </summary>
public sealed class CompositeReward
{
    /// <summary>
    /// Per-item bound. Linear scanning makes a 1 MB completion take a few milliseconds here, so the bound
    /// exists for pathological inputs and machine hiccups, not for normal completions (~64 tokens).
    /// </summary>
    public static readonly TimeSpan DefaultTimeBound = TimeSpan.FromMilliseconds(100);

    public static CompositeReward Default { get; } = new();

    public RewardWeights Weights { get; }
    public TimeSpan TimeBound { get; }

    public CompositeReward(RewardWeights? weights = null, TimeSpan? timeBound = null)
    {
        Weights = (weights ?? RewardWeights.Default).Validate();
        TimeBound = timeBound ?? DefaultTimeBound;
        if (TimeBound < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeBound), TimeBound, "time bound must not be negative");
    }

    public RewardBreakdown Score(string completion, string solution, string task) => Score(completion, solution, task, Weights);

    public RewardBreakdown Score(string completion, string solution, string task, RewardWeights weights) =>
        Score(completion, solution, task, weights, reference: null);

    /// <summary>
    /// Scores one item with <paramref name="weights"/> instead of this instance's weights; <paramref name="reference"/> is
    /// the example's annotated reasoning trace for <see cref="GroundingReward"/> (null: none, grounding scores 0).
    /// </summary>
    public RewardBreakdown Score(string completion, string solution, string task, RewardWeights weights, string? reference)
    {
        ArgumentNullException.ThrowIfNull(weights);
        weights.Validate();
        var deadline = ScoringDeadline.After(TimeBound);
        var correctness = CorrectnessReward.Instance.Score(completion, solution, task, deadline);
        var format = correctness.Reason == RewardReason.OverTimeBound
            ? RewardScore.Fail(RewardReason.OverTimeBound)
            : FormatReward.Instance.Score(completion, solution, task, deadline);
        // Scored at weight 0 too: "does the answer follow from the reasoning" is worth watching on every run.
        var consistency = format.Reason == RewardReason.OverTimeBound
            ? RewardScore.Fail(RewardReason.OverTimeBound)
            : ConsistencyReward.Instance.Score(completion, solution, task, deadline);
        var grounding = consistency.Reason == RewardReason.OverTimeBound
            ? RewardScore.Fail(RewardReason.OverTimeBound)
            : GroundingReward.Instance.Score(completion, reference ?? "", task, deadline);
        return Combine(correctness, format, consistency, grounding, weights);
    }

    public RewardBreakdown Score(RewardItem item, RewardWeights? weights = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        return Score(item.Completion, item.Solution, item.Task, weights ?? Weights, item.Reference);
    }

    /// <summary>
    /// Scores every item, in parallel on up to <paramref name="maxDegreeOfParallelism"/> threads
    /// (-1: as many as the runtime likes). Result i belongs to item i.
    /// </summary>
    public RewardBreakdown[] ScoreBatch(IReadOnlyList<RewardItem> items, RewardWeights? weights = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(items);
        var applied = (weights ?? Weights).Validate();
        for (int i = 0; i < items.Count; i++)
            if (items[i] is null) throw new ArgumentException($"items[{i}] is null", nameof(items));
        var results = new RewardBreakdown[items.Count];
        // Small batches are cheaper on the calling thread than a trip through the thread pool.
        if (items.Count < 8 || maxDegreeOfParallelism == 1)
        {
            for (int i = 0; i < items.Count; i++) results[i] = Score(items[i], applied);
            return results;
        }
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            i => results[i] = Score(items[i], applied));
        return results;
    }

    /// <summary>
    /// Runs every rule path once on tiny inputs so the JIT compiles them before the first real item:
    /// compiling counts against the first item's time bound otherwise. Hosts call it at start.
    /// </summary>
    public void WarmUp()
    {
        string[] completions =
        [
            "<think>x</think><answer>3</answer>", "<think>x</think><answer>Circle.</answer>", "<answer>3",
            "no tags", "<answer>3</answer><think>x</think>", "x<think>x</think><answer> </answer>", "<think></think><think>",
        ];
        string[] solutions = ["<answer>3</answer>", "circle", "1e3", "<answer>3", "?!"];
        foreach (string completion in completions)
            foreach (string solution in solutions)
                Score(completion, solution, "warm-up");
    }

    private static RewardBreakdown Combine(RewardScore correctness, RewardScore format, RewardScore consistency, RewardScore grounding, RewardWeights weights)
    {
        if (correctness.Reason == RewardReason.OverTimeBound || format.Reason == RewardReason.OverTimeBound
            || consistency.Reason == RewardReason.OverTimeBound || grounding.Reason == RewardReason.OverTimeBound)
            return new RewardBreakdown(0, 0, 0, RewardReason.OverTimeBound, correctness.Reason, format.Reason, 0, consistency.Reason, 0, grounding.Reason);
        double total = weights.Accuracy * correctness.Value + weights.Format * format.Value + weights.Consistency * consistency.Value
            + weights.Grounding * grounding.Value;
        var reason = correctness.Reason != RewardReason.Ok ? correctness.Reason : format.Reason;
        return new RewardBreakdown(correctness.Value, format.Value, total, reason, correctness.Reason, format.Reason,
            consistency.Value, consistency.Reason, grounding.Value, grounding.Reason);
    }
}
