using System.Text.Json;
using Spectre.Console;
using Vrm.Learner.Reporting;

namespace Vrm.Cli.Commands;

/// <summary>Prints evaluation rows as a table (and before/after when both are given); writes them as JSON.</summary>
public static class EvalTable
{
    public static void Print(IReadOnlyList<EvalRow> rows, IReadOnlyList<EvalRow>? before = null, string title = "evaluation")
    {
        var table = new Table().Title(title).Border(TableBorder.Rounded);
        table.AddColumn("split"); table.AddColumn("task"); table.AddColumn(new TableColumn("n").RightAligned());
        if (before is not null) table.AddColumn(new TableColumn("acc before").RightAligned());
        table.AddColumn(new TableColumn(before is null ? "accuracy" : "acc after").RightAligned());
        if (before is not null) table.AddColumn(new TableColumn("Δ").RightAligned());
        if (before is not null) table.AddColumn(new TableColumn("fmt before").RightAligned());
        table.AddColumn(new TableColumn(before is null ? "format rate" : "fmt after").RightAligned());
        table.AddColumn(new TableColumn("length").RightAligned());
        foreach (var r in rows)
        {
            var cells = new List<string> { r.Split, r.Task, r.Count.ToString() };
            var b = before?.FirstOrDefault(x => x.Split == r.Split && x.Task == r.Task);
            if (before is not null) cells.Add(b is null ? "–" : $"{b.Accuracy:P1}");
            cells.Add($"{r.Accuracy:P1}");
            if (before is not null)
            {
                double d = b is null ? double.NaN : (r.Accuracy - b.Accuracy) * 100;
                cells.Add(double.IsNaN(d) ? "–" : d >= 0 ? $"[green]+{d:0.0}[/]" : $"[red]{d:0.0}[/]");
                cells.Add(b is null ? "–" : $"{b.FormatRate:P1}");
            }
            cells.Add($"{r.FormatRate:P1}");
            cells.Add($"{r.MeanLength:0.0}");
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }

    public static void PrintPassAtK(IReadOnlyList<Vrm.Learner.Evaluation.PassAtKRow> rows, string title)
    {
        var table = new Table().Title(title).Border(TableBorder.Rounded);
        table.AddColumn("split"); table.AddColumn("task"); table.AddColumn(new TableColumn("n").RightAligned());
        var ks = rows.SelectMany(r => r.PassAt.Keys).Distinct().Order().ToList();
        foreach (var k in ks) table.AddColumn(new TableColumn($"pass@{k}").RightAligned());
        foreach (var r in rows)
            table.AddRow([r.Split, r.Task, r.Examples.ToString(), .. ks.Select(k => r.PassAt.TryGetValue(k, out var v) ? $"{v:P1}" : "–")]);
        AnsiConsole.Write(table);
    }

    public static void WriteJson(string path, object value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
    }
}
