using System.Collections.Concurrent;
using System.Text.Json;
using Vrm.Data.ShapesWorld;

namespace Vrm.Data;

/// <summary>
/// Reads a dataset (a JSONL file, or a folder of them) with its images, and validates every line: each
/// fault names the file and line. By default a dataset with any fault is refused with the full list
/// (<see cref="DatasetInvalidException"/>); with <see cref="DatasetLoadOptions.SkipInvalid"/> the good lines load.
/// Bad input never crashes the reader.
/// </summary>
public static class DatasetReader
{
    /// <summary>
    /// Loads <paramref name="path"/>: a <c>.jsonl</c> file, or a folder whose <c>*.jsonl</c> files are read in
    /// name order. Relative image paths resolve against the JSONL file's folder; loaded examples carry
    /// absolute <see cref="DatasetExample.ImagePath"/>s. A line without <c>split</c> takes the file's name when
    /// that is train/test/ood/validation, else "train"; a line without <c>id</c> gets "{file}-{line}".
    /// </summary>
    public static DatasetLoadResult Load(string path, DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        var faults = new List<DatasetFault>();
        var files = FindFiles(path, faults);

        var parsed = new List<ParsedLine>();
        int linesRead = 0;
        foreach (var file in files)
            linesRead += ReadFile(file, parsed, faults, options.ReadScenes);

        // Lines the split/task filter drops are still parsed and checked (ids, fields), but their images are not
        // opened: a learner loading 4,000 count prompts of an 18,400-line dataset decoded every image of every
        // split and task, three times over (train, test, ood) — most of vrm train's start-up.
        bool Kept(DatasetExample ex) =>
            (options.Split is null || ex.Split == options.Split) && (options.Tasks is not { Count: > 0 } tasks || tasks.Contains(ex.Task));
        VerifyImages(parsed.Where(l => l.Example is { } ex && Kept(ex)).ToList(), options.VerifyImages);

        var examples = new List<DatasetExample>();
        var ids = new Dictionary<string, (string File, int Line)>(StringComparer.Ordinal);
        int invalid = 0, filtered = 0;
        foreach (var line in parsed)
        {
            if (line.Example is { } e && !ids.TryAdd(e.Id, (line.File, line.Line)))
            {
                var first = ids[e.Id];
                line.Faults.Add(new DatasetFault(line.File, line.Line, DatasetFaultKind.DuplicateId,
                    $"id '{e.Id}' already used at {Path.GetFileName(first.File)}:{first.Line}"));
            }
            if (line.Faults.Count > 0) { invalid++; faults.AddRange(line.Faults); continue; }
            var ex = line.Example!;
            if (!Kept(ex))
            {
                filtered++;
                continue;
            }
            examples.Add(ex);
        }

        var result = new DatasetLoadResult(examples, faults)
        {
            LinesRead = linesRead, InvalidLines = invalid, FilteredOut = filtered, Files = files,
        };
        // A missing or unreadable dataset is refused even when skipping: there are no good lines to keep.
        bool nothingToRead = faults.Any(f => f.Kind == DatasetFaultKind.UnreadableFile && f.Line == 0) && linesRead == 0;
        if (faults.Count > 0 && (!options.SkipInvalid || nothingToRead))
            throw new DatasetInvalidException(path, faults);
        return result;
    }

    private static List<string> FindFiles(string path, List<DatasetFault> faults)
    {
        try
        {
            if (File.Exists(path)) return [Path.GetFullPath(path)];
            if (Directory.Exists(path))
            {
                var found = Directory.GetFiles(path, "*.jsonl").Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    faults.Add(new DatasetFault(path, 0, DatasetFaultKind.UnreadableFile, "folder holds no .jsonl dataset file"));
                return found;
            }
            faults.Add(new DatasetFault(path, 0, DatasetFaultKind.UnreadableFile, "no such file or folder"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            faults.Add(new DatasetFault(path, 0, DatasetFaultKind.UnreadableFile, e.Message));
        }
        return [];
    }

    private sealed class ParsedLine(string file, int line)
    {
        public string File { get; } = file;
        public int Line { get; } = line;
        public List<DatasetFault> Faults { get; } = [];
        public DatasetExample? Example { get; set; }
        public string? ImageFullPath { get; set; }
    }

    /// <summary>Parses every non-blank line of one file; returns how many lines were read.</summary>
    private static int ReadFile(string file, List<ParsedLine> parsed, List<DatasetFault> faults, bool readScenes)
    {
        int read = 0, lineNo = 0;
        string dir = Path.GetDirectoryName(file) ?? ".";
        string defaultSplit = DefaultSplitFor(file);
        string stem = Path.GetFileNameWithoutExtension(file);
        try
        {
            using var reader = new StreamReader(file, detectEncodingFromByteOrderMarks: true);
            while (reader.ReadLine() is { } text)
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(text)) continue;
                read++;
                var line = new ParsedLine(file, lineNo);
                ParseLine(text, line, dir, defaultSplit, stem, readScenes);
                parsed.Add(line);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            faults.Add(new DatasetFault(file, lineNo, DatasetFaultKind.UnreadableFile, e.Message));
        }
        return read;
    }

    private static string DefaultSplitFor(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file).ToLowerInvariant();
        return stem is Splits.Train or Splits.Test or Splits.Ood or "validation" ? stem : Splits.Train;
    }

    private static void ParseLine(string text, ParsedLine line, string dir, string defaultSplit, string stem, bool readScenes)
    {
        void Fault(DatasetFaultKind kind, string message) => line.Faults.Add(new DatasetFault(line.File, line.Line, kind, message));

        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { Fault(DatasetFaultKind.BadJson, $"not valid JSON: {e.Message}"); return; }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Fault(DatasetFaultKind.BadJson, $"a line must be a JSON object, got {root.ValueKind}");
                return;
            }

            // required: present, a string, not empty
            string? Required(string name)
            {
                if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
                {
                    Fault(DatasetFaultKind.MissingField, $"field '{name}' is missing");
                    return null;
                }
                if (v.ValueKind != JsonValueKind.String)
                {
                    Fault(DatasetFaultKind.WrongType, $"field '{name}' must be a string, got {v.ValueKind}");
                    return null;
                }
                var s = v.GetString()!;
                if (string.IsNullOrWhiteSpace(s) && name != DatasetJson.Solution)
                {
                    Fault(DatasetFaultKind.EmptyField, $"field '{name}' is empty");
                    return null;
                }
                return s;
            }

            string? Optional(string name, bool allowNumber = false)
            {
                if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
                if (v.ValueKind == JsonValueKind.String) return v.GetString();
                // Some datasets number their examples; a numeric id is still an id.
                if (allowNumber && v.ValueKind == JsonValueKind.Number) return v.GetRawText();
                Fault(DatasetFaultKind.WrongType, $"field '{name}' must be a string, got {v.ValueKind}");
                return null;
            }

            var image = Required(DatasetJson.Image);
            var problem = Required(DatasetJson.Problem);
            var solution = Required(DatasetJson.Solution);
            var id = Optional(DatasetJson.Id, allowNumber: true);
            var task = Optional(DatasetJson.Task);
            var split = Optional(DatasetJson.Split);
            var reasoning = Optional(DatasetJson.Reasoning);
            var caption = Optional(DatasetJson.Caption);
            if (id is { Length: 0 }) Fault(DatasetFaultKind.EmptyField, "field 'id' is empty");

            if (solution is not null && DatasetExample.AnswerOf(solution).Length == 0)
                Fault(DatasetFaultKind.EmptyAnswer, $"solution has no answer: \"{Clip(solution)}\"");

            SceneGraph? scene = null;
            if (readScenes && root.TryGetProperty(DatasetJson.Scene, out var sceneJson) && sceneJson.ValueKind != JsonValueKind.Null)
            {
                try
                {
                    scene = sceneJson.ValueKind == JsonValueKind.Object
                        ? sceneJson.Deserialize<SceneGraph>(DatasetJson.SceneOptions)
                        : throw new JsonException($"expected an object, got {sceneJson.ValueKind}");
                }
                catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
                {
                    Fault(DatasetFaultKind.WrongType, $"field 'scene' is not a scene graph: {e.Message}");
                }
            }

            if (image is not null)
            {
                try { line.ImageFullPath = Path.GetFullPath(Path.Combine(dir, image)); }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
                {
                    Fault(DatasetFaultKind.MissingImage, $"image path \"{Clip(image)}\" is not a valid path: {e.Message}");
                }
            }

            if (line.Faults.Count > 0 || image is null || problem is null || solution is null) return;
            line.Example = new DatasetExample(
                id ?? $"{stem}-{line.Line:D6}", line.ImageFullPath!, problem, solution,
                string.IsNullOrWhiteSpace(task) ? DatasetExample.DefaultTask : task,
                string.IsNullOrWhiteSpace(split) ? defaultSplit : split)
            {
                Reasoning = reasoning, Caption = caption, Scene = scene,
            };
        }
    }

    /// <summary>Checks each distinct image once (datasets often share images between lines), in parallel.</summary>
    private static void VerifyImages(List<ParsedLine> parsed, bool decode)
    {
        var paths = parsed.Where(l => l.ImageFullPath is not null).Select(l => l.ImageFullPath!).Distinct().ToList();
        var verdicts = new ConcurrentDictionary<string, (DatasetFaultKind Kind, string Message)?>();
        Parallel.ForEach(paths, p => verdicts[p] = Check(p, decode));
        foreach (var line in parsed)
        {
            if (line.ImageFullPath is null || verdicts[line.ImageFullPath] is not { } v) continue;
            line.Faults.Add(new DatasetFault(line.File, line.Line, v.Kind, v.Message));
            line.Example = null;
        }
    }

    private static (DatasetFaultKind, string)? Check(string path, bool decode)
    {
        if (!File.Exists(path)) return (DatasetFaultKind.MissingImage, $"image '{path}' does not exist");
        if (!decode) return null;
        try
        {
            ImageDecoder.Decode(path);
            return null;
        }
        catch (ImageDecodeException e) { return (DatasetFaultKind.UndecodableImage, e.Message); }
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
