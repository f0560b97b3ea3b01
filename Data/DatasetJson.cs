using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vrm.Data;

/// <summary>
/// The JSONL form of a dataset line (DESIGN §6) and the one way we write it: fixed field order, compact,
/// so the same example always serialises to the same bytes.
/// </summary>
public static class DatasetJson
{
    public const string Id = "id", Image = "image", Problem = "problem", Solution = "solution", Task = "task", Split = "split";
    public const string Answer = "answer", Reasoning = "reasoning", Caption = "caption", Scene = "scene";

    /// <summary>Scene graphs as snake_case JSON with lower-case enum names ("red", "circle").</summary>
    public static JsonSerializerOptions SceneOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Relaxed escaping keeps "<think>" readable in the file instead of "\u003Cthink\u003E"; it is still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>One line (no newline); <paramref name="imageRef"/> is the path as written, relative to the JSONL file.</summary>
    public static string ToLine(DatasetExample e, string imageRef)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString(Id, e.Id);
            w.WriteString(Image, imageRef);
            w.WriteString(Problem, e.Problem);
            w.WriteString(Solution, e.Solution);
            w.WriteString(Task, e.Task);
            w.WriteString(Split, e.Split);
            w.WriteString(Answer, e.Answer);
            if (e.Reasoning is not null) w.WriteString(Reasoning, e.Reasoning);
            if (e.Caption is not null) w.WriteString(Caption, e.Caption);
            if (e.Scene is not null)
            {
                w.WritePropertyName(Scene);
                JsonSerializer.Serialize(w, e.Scene, SceneOptions);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Image reference as written in a line: relative to the dataset folder, with forward slashes.</summary>
    public static string RelativeImageRef(string datasetDir, string imagePath) =>
        Path.GetRelativePath(datasetDir, imagePath).Replace('\\', '/');
}
