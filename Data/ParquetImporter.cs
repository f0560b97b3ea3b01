using System.Collections;
using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Serialization;

namespace Vrm.Data;

/// <summary>Which Parquet columns hold what, and how to label the imported lines.</summary>
public sealed record ParquetImportOptions
{
    /// <summary>Image column: raw bytes, or a struct {bytes, path} as Hugging Face datasets write it.</summary>
    public string ImageColumn { get; init; } = "image";
    /// <summary>Question column; when absent, "question" is tried.</summary>
    public string ProblemColumn { get; init; } = "problem";
    /// <summary>Solution column; when absent, "answer" is tried. Bare answers are wrapped in &lt;answer&gt; tags.</summary>
    public string SolutionColumn { get; init; } = "solution";
    /// <summary>Split written on every line (and the output file name, {split}.jsonl) unless a "split" column says otherwise.</summary>
    public string Split { get; init; } = "train";
    /// <summary>Task written on lines without a "task" column.</summary>
    public string Task { get; init; } = DatasetExample.DefaultTask;
    /// <summary>Import the good rows and report the bad ones, instead of refusing the file.</summary>
    public bool SkipInvalid { get; init; }
}

/// <summary>What an import wrote, and the faults of the rows it skipped.</summary>
public sealed record ParquetImportResult(string JsonlPath, int RowsRead, int Written, IReadOnlyList<DatasetFault> Faults);

/// <summary>
/// Imports a Hugging Face-style Parquet file (image bytes + problem + solution) into our dataset form: the
/// images as files under <c>images/</c>, one JSONL line each in <c>{split}.jsonl</c>. Rows are validated like
/// JSONL lines (the "line" of a fault is the 1-based row number); a file with faults is refused, and nothing
/// is left behind, unless <see cref="ParquetImportOptions.SkipInvalid"/>.
/// </summary>
public static class ParquetImporter
{
    public static async Task<ParquetImportResult> ImportAsync(string parquetFile, string outDir, ParquetImportOptions? options = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken ct = default)
    {
        options ??= new ParquetImportOptions();
        var faults = new List<DatasetFault>();
        string file = Path.GetFullPath(parquetFile);
        if (!File.Exists(file))
            throw new DatasetInvalidException(parquetFile, [new DatasetFault(parquetFile, 0, DatasetFaultKind.UnreadableFile, "no such file")]);

        Directory.CreateDirectory(outDir);
        string imageDir = Path.Combine(outDir, "images");
        bool createdImageDir = !Directory.Exists(imageDir);
        Directory.CreateDirectory(imageDir);
        string jsonlPath = Path.Combine(outDir, $"{options.Split}.jsonl");
        var writtenImages = new List<string>();
        int rowsRead = 0, written = 0;

        try
        {
            await using var stream = File.OpenRead(file);
            int rowGroups, totalRows;
            try
            {
                await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: ct);
                rowGroups = reader.RowGroupCount;
                totalRows = (int)reader.RowGroups.Sum(g => g.RowCount);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                faults.Add(new DatasetFault(parquetFile, 0, DatasetFaultKind.UnreadableFile, $"not a readable Parquet file: {e.Message}"));
                rowGroups = totalRows = 0;
            }

            await using var jsonl = new StreamWriter(jsonlPath, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
            for (int g = 0; g < rowGroups; g++)
            {
                stream.Position = 0;
                // One row group at a time: image columns can be large, and a whole file need not fit in memory.
                var group = await ParquetSerializer.DeserializeUntypedAsync(stream, new ParquetOptions(), g, ct);
                foreach (var row in group.Data)
                {
                    ct.ThrowIfCancellationRequested();
                    rowsRead++;
                    var line = ImportRow(row, rowsRead, parquetFile, options, imageDir, outDir, faults, writtenImages);
                    if (line is not null) { await jsonl.WriteLineAsync(line); written++; }
                    if (rowsRead % 256 == 0) progress?.Report((rowsRead, totalRows));
                }
            }
            progress?.Report((rowsRead, totalRows));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            faults.Add(new DatasetFault(parquetFile, rowsRead, DatasetFaultKind.UnreadableFile, $"reading failed: {e.Message}"));
        }

        if (faults.Count > 0 && (!options.SkipInvalid || written == 0 && rowsRead == 0))
        {
            // Refused: leave no half-imported dataset that a later load might mistake for a good one.
            foreach (var img in writtenImages) File.Delete(img);
            File.Delete(jsonlPath);
            if (createdImageDir && !Directory.EnumerateFileSystemEntries(imageDir).Any()) Directory.Delete(imageDir);
            throw new DatasetInvalidException(parquetFile, faults);
        }
        return new ParquetImportResult(jsonlPath, rowsRead, written, faults);
    }

    private static string? ImportRow(IDictionary<string, object> row, int rowNo, string file, ParquetImportOptions options,
        string imageDir, string outDir, List<DatasetFault> faults, List<string> writtenImages)
    {
        int before = faults.Count;
        void Fault(DatasetFaultKind kind, string message) => faults.Add(new DatasetFault(file, rowNo, kind, message));

        string? Text(string column, string? fallback, bool required)
        {
            string? name = row.ContainsKey(column) ? column : fallback is not null && row.ContainsKey(fallback) ? fallback : null;
            object? value = name is null ? null : row[name];
            if (value is null)
            {
                if (required) Fault(DatasetFaultKind.MissingField, $"column '{column}'{(fallback is null ? "" : $" (or '{fallback}')")} is missing or null");
                return null;
            }
            return value switch
            {
                string s => s,
                ReadOnlyMemory<char> m => m.ToString(),
                IFormattable f and not IEnumerable => f.ToString(null, CultureInfo.InvariantCulture),
                _ => WrongType(column, value),
            };
        }
        string? WrongType(string column, object value)
        {
            Fault(DatasetFaultKind.WrongType, $"column '{column}' must be text, got {value.GetType().Name}");
            return null;
        }

        var problem = Text(options.ProblemColumn, "question", required: true);
        var solution = Text(options.SolutionColumn, "answer", required: true);
        var id = Text("id", null, required: false);
        var task = Text("task", null, required: false);
        var split = Text("split", null, required: false);
        if (problem is { } p && string.IsNullOrWhiteSpace(p)) Fault(DatasetFaultKind.EmptyField, $"column '{options.ProblemColumn}' is empty");
        if (solution is not null)
        {
            if (DatasetExample.AnswerOf(solution).Length == 0) Fault(DatasetFaultKind.EmptyAnswer, $"solution has no answer: \"{solution}\"");
            else if (!solution.Contains("<answer>", StringComparison.Ordinal)) solution = DatasetExample.SolutionOf(solution.Trim());
        }

        var bytes = ImageBytes(row, options.ImageColumn, Fault);
        string? extension = null;
        if (bytes is not null)
        {
            try
            {
                ImageDecoder.Decode(bytes);
                extension = IsPng(bytes) ? ".png" : IsJpeg(bytes) ? ".jpg" : ".img";
            }
            catch (ImageDecodeException e) { Fault(DatasetFaultKind.UndecodableImage, $"column '{options.ImageColumn}': {e.Message}"); }
        }

        if (faults.Count > before) return null;
        string number = rowNo.ToString("D6", CultureInfo.InvariantCulture);
        string imagePath = Path.Combine(imageDir, number + extension);
        File.WriteAllBytes(imagePath, bytes!);
        writtenImages.Add(imagePath);
        var example = new DatasetExample(id ?? $"{options.Split}-{number}", imagePath, problem!, solution!,
            task ?? options.Task, split ?? options.Split);
        return DatasetJson.ToLine(example, DatasetJson.RelativeImageRef(outDir, imagePath));
    }

    /// <summary>The encoded image of a row: a binary column, or the "bytes" member of an HF {bytes, path} struct.</summary>
    private static byte[]? ImageBytes(IDictionary<string, object> row, string column, Action<DatasetFaultKind, string> fault)
    {
        if (!row.TryGetValue(column, out object? value) || value is null)
        {
            fault(DatasetFaultKind.MissingField, $"column '{column}' is missing or null");
            return null;
        }
        if (value is IDictionary<string, object?> map)
        {
            if (map.TryGetValue("bytes", out var inner) && inner is not null) value = inner;
            else
            {
                var path = map.TryGetValue("path", out var p) ? p?.ToString() : null;
                fault(DatasetFaultKind.MissingImage, $"column '{column}' has no image bytes" + (path is null ? "" : $" (only a path, '{path}')"));
                return null;
            }
        }
        switch (value)
        {
            case byte[] b:
                if (b.Length == 0) { fault(DatasetFaultKind.MissingImage, $"column '{column}' holds an empty image"); return null; }
                return b;
            case ReadOnlyMemory<byte> m:
                if (m.IsEmpty) { fault(DatasetFaultKind.MissingImage, $"column '{column}' holds an empty image"); return null; }
                return m.ToArray();
            default:
                fault(DatasetFaultKind.WrongType, $"column '{column}' must hold image bytes or a {{bytes, path}} struct, got {value.GetType().Name}");
                return null;
        }
    }

    private static bool IsPng(byte[] b) => b.Length > 8 && b[0] == 0x89 && b[1] == (byte)'P' && b[2] == (byte)'N' && b[3] == (byte)'G';
    private static bool IsJpeg(byte[] b) => b.Length > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}
