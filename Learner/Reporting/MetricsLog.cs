using System.Text.Json;

namespace Vrm.Learner.Reporting;

/// <summary>
/// Append-only JSONL of per-step metrics (DESIGN §6 names without the <c>vrm_</c> prefix, plus
/// <c>step</c>). Each line is flushed as it is written so a killed run keeps every finished step;
/// reopening for resume truncates lines past the resumed step so the file has each step once.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;
    public string Path { get; }

    public MetricsLog(string path, int resumeAfterStep = -1)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        if (resumeAfterStep >= 0 && File.Exists(path))
        {
            var keep = ReadAll(path).Where(r => r.TryGetValue("step", out var s) && s <= resumeAfterStep)
                .Select(r => JsonSerializer.Serialize(r)).ToList();
            File.WriteAllLines(path, keep);
        }
        else if (resumeAfterStep < 0 && File.Exists(path))
        {
            File.Delete(path);
        }
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Write(IReadOnlyDictionary<string, double> metrics) => _writer.WriteLine(JsonSerializer.Serialize(metrics));

    public static List<Dictionary<string, double>> ReadAll(string path)
    {
        var rows = new List<Dictionary<string, double>>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var row = JsonSerializer.Deserialize<Dictionary<string, double>>(line);
                if (row is not null) rows.Add(row);
            }
            catch (JsonException)
            {
                // A line cut by a kill mid-write: everything before it is intact, skip it.
            }
        }
        return rows;
    }

    public void Dispose() => _writer.Dispose();
}
