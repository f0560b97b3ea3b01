using Vrm.Learner.Evaluation;
using Vrm.Learner.Grpo;
using Vrm.Learner.Reporting;

namespace Vrm.Learner.Tests;

public class EvalMetricsTests
{
    [Fact]
    public void A_single_task_run_reports_the_split_accuracy_only()
    {
        var m = EvalMetrics.Of([new EvalRow("test", "count", 0.45, 1, 22, 300), new EvalRow("ood", "count", 0.11, 1, 28, 300)]);
        Assert.Equal(new Dictionary<string, double> { ["eval_accuracy_test"] = 0.45, ["eval_accuracy_ood"] = 0.11 }, m);
    }

    [Fact]
    public void A_multi_task_run_reports_the_all_task_accuracy_and_each_task_beside_it()
    {
        EvalRow[] rows =
        [
            new("test", "classify", 0.60, 1, 5, 150), new("test", "count", 0.40, 1, 22, 150), new("test", Evaluator.AllTasks, 0.50, 1, 13.5, 300),
            new("ood", "classify", 0.30, 1, 5, 150), new("ood", "count", 0.10, 1, 28, 150), new("ood", Evaluator.AllTasks, 0.20, 1, 16.5, 300),
        ];
        var m = EvalMetrics.Of(rows);
        Assert.Equal(0.50, m["eval_accuracy_test"]);       // the all-task row, whatever order the rows come in
        Assert.Equal(0.60, m["eval_accuracy_test_classify"]);
        Assert.Equal(0.40, m["eval_accuracy_test_count"]);
        Assert.Equal(0.20, m["eval_accuracy_ood"]);
        Assert.Equal(0.10, m["eval_accuracy_ood_count"]);
        Assert.Equal(6, m.Count);
        Assert.Equal(0.50, EvalMetrics.Of(rows.Reverse())["eval_accuracy_test"]);
    }
}
