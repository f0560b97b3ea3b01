using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>One tensor's entry in a safetensors header: byte range relative to the start of the data section.</summary>
public sealed record SafeTensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// The safetensors format (huggingface/safetensors): 8-byte little-endian header length N, N bytes of UTF-8
/// JSON <c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}</c> padded with
/// spaces to a multiple of 8, then every tensor's little-endian bytes, contiguous, in header order.
/// Written here (not via PyBridge) so that every way a file can be wrong gets a message naming it.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    /// <summary>The Python library refuses headers above 100 MB; so do we (a corrupt length must not allocate GBs).</summary>
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes tensors (sorted by name) with optional string metadata. Tensors may live on any device.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writing assumes a little-endian host");
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var dup = ordered.Zip(ordered.Skip(1)).FirstOrDefault(p => p.First.Key == p.Second.Key);
        if (dup.First.Key is not null) throw new ArgumentException($"tensor name '{dup.First.Key}' appears twice");

        // --- header ---
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in ordered)
            {
                if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor");
                long bytes = t.numel() * TensorDType.SizeOf(t.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", TensorDType.NameOf(t.dtype));
                json.WriteStartArray("shape");
                foreach (var d in t.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        int pad = (int)((8 - header.Length % 8) % 8);
        for (int i = 0; i < pad; i++) header.WriteByte((byte)' ');

        // --- file: length, header, data ---
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        file.Write(len);
        header.Position = 0;
        header.CopyTo(file);
        foreach (var (_, t) in ordered)
        {
            using var scope = torch.NewDisposeScope();
            var cpu = t.detach().cpu().contiguous(); // a no-op view for CPU contiguous tensors
            file.Write(cpu.bytes);
        }
        file.Flush(flushToDisk: true);
    }

    /// <summary>Reads and validates a file's header: every entry, with offsets checked against the file's size.</summary>
    public static (IReadOnlyList<SafeTensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var file = File.OpenRead(path);
        return ReadHeader(file, path);
    }

    private static (IReadOnlyList<SafeTensorsEntry>, IReadOnlyDictionary<string, string>, long) ReadHeader(FileStream file, string path)
    {
        long fileLength = file.Length;
        if (fileLength < 8) throw new InvalidDataException($"{path}: truncated: {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        file.ReadExactly(len);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLength > MaxHeaderBytes) throw new InvalidDataException($"{path}: header length {headerLength} is implausible (corrupt file?)");
        if (8 + (long)headerLength > fileLength)
            throw new InvalidDataException($"{path}: truncated: header says {headerLength} header bytes but the file has only {fileLength - 8} after the length");
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: bad header JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: bad header JSON: not an object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: bad header JSON: {MetadataKey} is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                            : throw new InvalidDataException($"{path}: bad header JSON: metadata '{m.Name}' is not a string");
                    continue;
                }
                entries.Add(ParseEntry(prop, path));
            }
            // Tensors must tile the data section exactly: no gap, no overlap, nothing missing at the end.
            long expected = 0;
            foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            {
                if (e.Begin != expected) throw new InvalidDataException($"{path}: tensor '{e.Name}' starts at byte {e.Begin}, expected {expected} (gap or overlap)");
                expected = e.End;
            }
            if (expected != dataLength)
                throw new InvalidDataException(expected > dataLength
                    ? $"{path}: truncated: tensors need {expected} data bytes but the file has {dataLength}"
                    : $"{path}: {dataLength - expected} unexpected bytes after the last tensor");
            return (entries, metadata, dataStart);
        }
    }

    private static SafeTensorsEntry ParseEntry(JsonProperty prop, string path)
    {
        string where = $"{path}: tensor '{prop.Name}'";
        try
        {
            var v = prop.Value;
            var dtype = v.GetProperty("dtype").GetString() ?? "";
            if (!TensorDType.TryParse(dtype, out _, out int size)) throw new InvalidDataException($"{where}: unsupported dtype '{dtype}'");
            var shape = v.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0)) throw new InvalidDataException($"{where}: negative dimension in shape [{string.Join(", ", shape)}]");
            var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new InvalidDataException($"{where}: data_offsets must be [begin, end] with 0 <= begin <= end");
            long numel = shape.Aggregate(1L, (a, d) => checked(a * d));
            if (offsets[1] - offsets[0] != checked(numel * size))
                throw new InvalidDataException($"{where}: {offsets[1] - offsets[0]} bytes do not hold shape [{string.Join(", ", shape)}] of {dtype}");
            return new SafeTensorsEntry(prop.Name, dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"{where}: bad header JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads every tensor into new CPU tensors (name → tensor). Callers own (dispose) the result.</summary>
    public static Dictionary<string, Tensor> ReadAll(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var file = File.OpenRead(path);
        var (entries, meta, dataStart) = ReadHeader(file, path);
        metadata = meta;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            TensorDType.TryParse(e.DType, out var type, out _);
            var t = torch.empty(e.Shape, type);
            ReadInto(file, dataStart, e, t);
            result[e.Name] = t;
        }
        return result;
    }

    /// <summary>Copies one entry's bytes into a contiguous CPU tensor of matching size.</summary>
    internal static void ReadInto(FileStream file, long dataStart, SafeTensorsEntry e, Tensor target)
    {
        var buffer = new byte[e.ByteLength];
        file.Position = dataStart + e.Begin;
        file.ReadExactly(buffer);
        target.bytes = buffer;
    }

    internal static (IReadOnlyList<SafeTensorsEntry>, IReadOnlyDictionary<string, string>, long) ReadHeaderFrom(FileStream file, string path)
        => ReadHeader(file, path);
}
