using Vrm.Learner.Evaluation;
using Vrm.Learner.Reporting;

namespace Vrm.Learner.Grpo;

/// <summary>
/// A mid-run evaluation as step metrics: <c>eval_accuracy_{split}</c> (DESIGN §6) is the split's accuracy over every
/// task, and a run on several tasks also reports <c>eval_accuracy_{split}_{task}</c> per task, which the orchestrator
/// exports as <c>vrm_eval_accuracy{split, task}</c>. Before, a multi-task run's per-task figures were dropped.
/// </summary>
public static class EvalMetrics
{
    public const string Prefix = "eval_accuracy_";

    public static Dictionary<string, double> Of(IEnumerable<EvalRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var split in rows.GroupBy(r => r.Split))
        {
            var tasks = split.Where(r => r.Task != Evaluator.AllTasks).ToList();
            if (tasks.Count == 1)
            {
                metrics[Prefix + split.Key] = tasks[0].Accuracy;
                continue;
            }
            // Evaluator.Groups adds the "all" row exactly when a split has more than one task.
            metrics[Prefix + split.Key] = split.Single(r => r.Task == Evaluator.AllTasks).Accuracy;
            foreach (var t in tasks) metrics[$"{Prefix}{split.Key}_{t.Task}"] = t.Accuracy;
        }
        return metrics;
    }
}
