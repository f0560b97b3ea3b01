using System.Text.Json;

namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>
/// The part of a run's configuration (<see cref="RunSpec.ConfigJson"/>) that rollout workers need: which
/// dataset rows the scheduler's prompt indices refer to. Learner and workers build the same row order
/// from it (train split of <see cref="DataPath"/>, filtered to <see cref="Tasks"/>, first
/// <see cref="TrainLimit"/> rows), so an index means the same example on every node.
/// JSON shape inside ConfigJson: <c>{"data": {"path": "...", "tasks": ["count"], "train_limit": 2000}, ...}</c>.
/// </summary>
public sealed record RunDataView(string DataPath, IReadOnlyList<string> Tasks, int? TrainLimit)
{
    public const string Property = "data";

    public static RunDataView FromConfigJson(string configJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(configJson);
            if (!doc.RootElement.TryGetProperty(Property, out var data) || data.ValueKind != JsonValueKind.Object)
                throw new ArgumentException("run config: 'data' object is missing");
            if (!data.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(path.GetString()))
                throw new ArgumentException("run config: data.path must be a non-empty string");
            var tasks = new List<string>();
            if (data.TryGetProperty("tasks", out var t))
            {
                if (t.ValueKind != JsonValueKind.Array) throw new ArgumentException("run config: data.tasks must be an array of strings");
                foreach (var e in t.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String) throw new ArgumentException("run config: data.tasks must be an array of strings");
                    tasks.Add(e.GetString()!);
                }
            }
            int? limit = null;
            if (data.TryGetProperty("train_limit", out var l) && l.ValueKind != JsonValueKind.Null)
            {
                if (l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out var v) || v <= 0)
                    throw new ArgumentException("run config: data.train_limit must be a positive integer or null");
                limit = v;
            }
            return new RunDataView(path.GetString()!, tasks, limit);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"run config is not valid JSON: {e.Message}", e);
        }
    }
}
