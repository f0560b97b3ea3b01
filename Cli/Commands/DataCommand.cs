using System.CommandLine;
using System.Diagnostics;
using Vrm.Data;
using Vrm.Data.ShapesWorld;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm data generate | validate | import-parquet</c>: make ShapesWorld datasets, check any dataset
/// (every fault with file and line), and bring Hugging Face Parquet files into our JSONL + images form.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "Datasets: generate ShapesWorld, validate JSONL + images, import Parquet");
        data.Subcommands.Add(Generate());
        data.Subcommands.Add(Validate());
        data.Subcommands.Add(ImportParquet());
        return data;
    }

    private static Command Generate()
    {
        var task = new Option<string>("--task") { Description = $"Task family: {string.Join(", ", TaskNames.All)}, or all (round robin over them)", DefaultValueFactory = _ => "all" };
        var outDir = new Option<string>("--out") { Description = "Output folder: {split}.jsonl, images/{split}/NNNNNN.png, manifest.json", Required = true };
        var count = new Option<int>("--count") { Description = "Examples per split (train, test, ood)", DefaultValueFactory = _ => 1000 };
        var train = new Option<int?>("--train") { Description = "Examples in train (overrides --count)" };
        var test = new Option<int?>("--test") { Description = "Examples in test (overrides --count)" };
        var ood = new Option<int?>("--ood") { Description = "Examples in ood (overrides --count)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed: the same seed gives byte-identical files", DefaultValueFactory = _ => 1UL };
        var size = new Option<int>("--image-size") { Description = "Side of the square images in pixels", DefaultValueFactory = _ => 64 };
        var font = new Option<string>("--font") { Description = "TrueType font for chart tick labels", DefaultValueFactory = _ => ShapesWorldOptions.DefaultFontPath };

        var cmd = new Command("generate", "Generate a ShapesWorld dataset (train, test and ood splits)");
        foreach (var o in new Option[] { task, outDir, count, train, test, ood, seed, size, font }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var taskName = pr.GetValue(task)!;
            IReadOnlyList<string> tasks = taskName == "all" ? TaskNames.All : [taskName];
            int perSplit = pr.GetValue(count);
            var counts = new Dictionary<string, int>
            {
                [Splits.Train] = pr.GetValue(train) ?? perSplit,
                [Splits.Test] = pr.GetValue(test) ?? perSplit,
                [Splits.Ood] = pr.GetValue(ood) ?? perSplit,
            };
            try
            {
                var generator = new ShapesWorldGenerator(new ShapesWorldOptions { ImageSize = pr.GetValue(size), FontPath = pr.GetValue(font)! });
                var dir = pr.GetValue(outDir)!;
                var watch = Stopwatch.StartNew();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var progress = new ConsoleProgress();
                generator.Write(dir, new ShapesWorldRequest(pr.GetValue(seed), tasks, counts),
                    new SyncProgress<GenerationProgress>(p => progress.Show(p.Split, p.Done, p.Total)), ct);
                progress.Finish();
                int total = counts.Values.Sum();
                double seconds = watch.Elapsed.TotalSeconds;
                // CPU time too: on a shared machine wall time says more about the neighbours than about us.
                double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                Console.WriteLine($"wrote {total} examples ({string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}; tasks {string.Join(", ", tasks)}) " +
                                  $"to {Path.GetFullPath(dir)} in {seconds:0.00} s wall, {cpu:0.00} s CPU " +
                                  $"({total / Math.Max(seconds, 1e-9):0} examples/s wall, {total / Math.Max(cpu, 1e-9):0} per CPU-second)");
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Console.Error.WriteLine($"vrm data generate: {e.Message}");
                return Task.FromResult(2);
            }
        });
        return cmd;
    }

    private static Command Validate()
    {
        var path = new Argument<string>("path") { Description = "A .jsonl file or a folder of them (images resolve beside each file)" };
        var skip = new Option<bool>("--skip-invalid") { Description = "Accept the dataset if good lines remain; report the bad ones" };
        var split = new Option<string?>("--split") { Description = "Count only this split" };
        var noDecode = new Option<bool>("--no-decode") { Description = "Only check that image files exist (faster)" };
        var cmd = new Command("validate", "Validate a dataset: every fault with file and line; exit 1 if it would be refused");
        cmd.Arguments.Add(path);
        foreach (var o in new Option[] { skip, split, noDecode }) cmd.Options.Add(o);
        cmd.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var options = new DatasetLoadOptions { SkipInvalid = pr.GetValue(skip), Split = pr.GetValue(split), VerifyImages = !pr.GetValue(noDecode) };
            var watch = Stopwatch.StartNew();
            try
            {
                var result = DatasetReader.Load(pr.GetValue(path)!, options);
                foreach (var f in result.Faults) Console.WriteLine(f);
                Console.WriteLine($"{result.Summary} ({watch.Elapsed.TotalSeconds:0.00} s)");
                foreach (var (kind, n) in result.FaultCounts) Console.WriteLine($"  {kind}: {n} fault(s)");
                foreach (var g in result.Examples.GroupBy(e => (e.Split, e.Task)).OrderBy(g => g.Key))
                    Console.WriteLine($"  {g.Key.Split}/{g.Key.Task}: {g.Count()}");
                return Task.FromResult(0);
            }
            catch (DatasetInvalidException e)
            {
                foreach (var f in e.Faults) Console.WriteLine(f);
                Console.Error.WriteLine($"dataset refused: {e.Faults.Count} fault(s) " +
                                        $"({string.Join(", ", e.Faults.GroupBy(f => f.Kind).Select(g => $"{g.Key} {g.Count()}"))}); " +
                                        "use --skip-invalid to load the good lines");
                return Task.FromResult(1);
            }
        });
        return cmd;
    }

    private static Command ImportParquet()
    {
        var file = new Argument<string>("file") { Description = "Parquet file with an image column (bytes or {bytes, path}), problem and solution" };
        var outDir = new Option<string>("--out") { Description = "Output folder: {split}.jsonl and images/", Required = true };
        var split = new Option<string>("--split") { Description = "Split of the imported lines (and the .jsonl name)", DefaultValueFactory = _ => "train" };
        var task = new Option<string>("--task") { Description = "Task of lines without a task column", DefaultValueFactory = _ => DatasetExample.DefaultTask };
        var image = new Option<string>("--image-column") { Description = "Image column", DefaultValueFactory = _ => "image" };
        var problem = new Option<string>("--problem-column") { Description = "Problem column (falls back to 'question')", DefaultValueFactory = _ => "problem" };
        var solution = new Option<string>("--solution-column") { Description = "Solution column (falls back to 'answer')", DefaultValueFactory = _ => "solution" };
        var skip = new Option<bool>("--skip-invalid") { Description = "Import the good rows and report the bad ones" };
        var cmd = new Command("import-parquet", "Import a Hugging Face-style Parquet file into JSONL + image files");
        cmd.Arguments.Add(file);
        foreach (var o in new Option[] { outDir, split, task, image, problem, solution, skip }) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) =>
        {
            var options = new ParquetImportOptions
            {
                Split = pr.GetValue(split)!, Task = pr.GetValue(task)!, ImageColumn = pr.GetValue(image)!,
                ProblemColumn = pr.GetValue(problem)!, SolutionColumn = pr.GetValue(solution)!, SkipInvalid = pr.GetValue(skip),
            };
            var progress = new ConsoleProgress();
            try
            {
                var result = await ParquetImporter.ImportAsync(pr.GetValue(file)!, pr.GetValue(outDir)!, options,
                    new SyncProgress<(int Done, int Total)>(p => progress.Show("rows", p.Done, p.Total)), ct);
                progress.Finish();
                foreach (var f in result.Faults) Console.WriteLine(f);
                Console.WriteLine($"imported {result.Written} of {result.RowsRead} rows into {result.JsonlPath}" +
                                  (result.Faults.Count > 0 ? $" ({result.Faults.Count} fault(s) skipped)" : ""));
                return 0;
            }
            catch (DatasetInvalidException e)
            {
                progress.Finish();
                foreach (var f in e.Faults) Console.WriteLine(f);
                Console.Error.WriteLine($"import refused: {e.Faults.Count} fault(s); use --skip-invalid to import the good rows");
                return 1;
            }
        });
        return cmd;
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>One updating line on a terminal; a line per quarter when output is redirected (logs, CI).</summary>
    private sealed class ConsoleProgress
    {
        private readonly bool _interactive = !Console.IsErrorRedirected;
        private string? _label;
        private int _lastQuarter = -1;

        public void Show(string label, int done, int total)
        {
            if (_interactive)
            {
                if (_label is not null && _label != label) Console.Error.WriteLine();   // keep the finished split's line
                Console.Error.Write($"\r{label}: {done}/{total}   ");
            }
            else
            {
                int quarter = total == 0 ? 4 : done * 4 / total;
                if (label != _label) _lastQuarter = -1;
                if (quarter != _lastQuarter) Console.Error.WriteLine($"{label}: {done}/{total}");
                _lastQuarter = quarter;
            }
            _label = label;
        }

        public void Finish()
        {
            if (_interactive && _label is not null) Console.Error.WriteLine();
            _label = null;
        }
    }
}
