using System.Diagnostics.Metrics;
using Vrm.Orchestrator.Telemetry;

namespace Vrm.Orchestrator.Tests;

public sealed class RunMetricsBoardTests
{
    [Fact]
    public void Eval_accuracy_stays_exported_between_evaluations_while_step_values_are_replaced()
    {
        var run = $"board-{Guid.NewGuid():N}";
        var board = RunMetricsBoard.Shared;
        board.Report(run, 2, 2, new Dictionary<string, double> { ["reward_mean"] = 0.5, ["kl"] = 0.1, ["eval_accuracy_test"] = 0.4 }, repeatedStep: false);
        board.Report(run, 3, 3, new Dictionary<string, double> { ["reward_mean"] = 0.7 }, repeatedStep: false);

        var seen = Observe(run);
        Assert.Equal(0.7, seen["vrm_reward_mean"]);
        Assert.Equal(0.4, seen["vrm_eval_accuracy"]);     // the step-2 evaluation is still the latest one
        Assert.False(seen.ContainsKey("vrm_kl"));           // a per-step value not reported at step 3 is gone

        board.Report(run, 4, 4, new Dictionary<string, double> { ["reward_mean"] = 0.8, ["eval_accuracy_test"] = 0.55 }, repeatedStep: false);
        Assert.Equal(0.55, Observe(run)["vrm_eval_accuracy"]);
    }

    [Fact]
    public void Per_task_eval_accuracy_is_exported_with_a_task_label_beside_the_all_task_series()
    {
        var run = $"board-{Guid.NewGuid():N}";
        RunMetricsBoard.Shared.Report(run, 5, 5, new Dictionary<string, double>
        {
            ["eval_accuracy_test"] = 0.5, ["eval_accuracy_test_count"] = 0.4, ["eval_accuracy_test_classify"] = 0.6,
        }, repeatedStep: false);

        var series = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RunMetricsBoard.MeterName && instrument.Name == "vrm_eval_accuracy") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(x => x.Key, x => x.Value as string);
            if (t.GetValueOrDefault("run") == run) series[$"{t.GetValueOrDefault("split")}/{t.GetValueOrDefault("task") ?? "-"}"] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(new Dictionary<string, double> { ["test/-"] = 0.5, ["test/count"] = 0.4, ["test/classify"] = 0.6 }, series);
    }

    [Theory]
    [InlineData("eval_accuracy_test_Chart-QA", "vrm_eval_accuracy", "split=test,task=Chart-QA")] // a dataset's own task name is a label value
    [InlineData("eval_accuracy_ood", "vrm_eval_accuracy", "split=ood")]
    [InlineData("step_duration_seconds_sample", "vrm_step_duration_seconds", "phase=sample")]
    [InlineData("reward_mean", "vrm_reward_mean", "")]
    [InlineData("eval_accuracy_Test", null, null)]        // the split would not be a valid name part
    [InlineData("eval_accuracy_test_", null, null)]       // no task after the separator
    [InlineData("reward-mean", null, null)]
    [InlineData("generated_tokens", null, null)]          // exported by the fixed counter
    public void Keys_map_to_instruments_and_labels(string key, string? name, string? labels)
    {
        var m = RunMetricsBoard.Map(key);
        Assert.Equal(name, m?.Name);
        Assert.Equal(labels, m is { } x ? string.Join(",", x.Labels.Select(l => $"{l.Key}={l.Value}")) : null);
        Assert.Equal(m, RunMetricsBoard.Map(key)); // mapped once: the same labels array comes back
    }

    /// <summary>The board's gauges for one run, read through a real MeterListener as an exporter would.</summary>
    private static Dictionary<string, double> Observe(string run)
    {
        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RunMetricsBoard.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "run" && Equals(tag.Value, run)) seen[instrument.Name] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }
}
