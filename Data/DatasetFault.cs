namespace Vrm.Data;

/// <summary>What is wrong with a dataset line (or file).</summary>
public enum DatasetFaultKind
{
    /// <summary>The file or folder cannot be read, or holds no dataset file.</summary>
    UnreadableFile,
    /// <summary>The line is not valid JSON, or not a JSON object.</summary>
    BadJson,
    /// <summary>A required field (image, problem, solution) is absent or null.</summary>
    MissingField,
    /// <summary>A field has the wrong JSON type (e.g. a number where a string belongs, or a malformed scene).</summary>
    WrongType,
    /// <summary>A required text field (problem, image) is empty.</summary>
    EmptyField,
    /// <summary>The solution holds no answer (empty, or <c>&lt;answer&gt;&lt;/answer&gt;</c>).</summary>
    EmptyAnswer,
    /// <summary>The image file does not exist.</summary>
    MissingImage,
    /// <summary>The image file exists but does not decode (damaged, truncated, or not an image).</summary>
    UndecodableImage,
    /// <summary>Two lines share an id.</summary>
    DuplicateId,
}

/// <summary>One fault: the file and 1-based line (0 when the fault is about the whole file), what kind, and why.</summary>
public sealed record DatasetFault(string File, int Line, DatasetFaultKind Kind, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Kind}: {Message}" : $"{File}: {Kind}: {Message}";
}
