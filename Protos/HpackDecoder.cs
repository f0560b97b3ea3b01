using System.Text;

namespace Vrm.Protos;

/// <summary>
/// HPACK header-block decoder (RFC 7541) for the weight push's own HTTP/2 framing on both ends: the learner's
/// WeightPushConnection reads a worker's answer with it, the worker's BulkPushConnection the learner's request headers.
/// Indexed fields, literals with and without indexing, the static and dynamic tables and table-size updates.
/// Huffman-coded strings are refused with a named error: neither .NET's HPACK encoder (Kestrel's) nor
/// <see cref="HpackEncoder"/> emits them. One instance per connection and direction (the dynamic table is per decoder).
/// </summary>
public sealed class HpackDecoder
{
    private static readonly (string Name, string Value)[] Static =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""), ("etag", ""),
        ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""), ("if-modified-since", ""),
        ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""),
        ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""), ("proxy-authorization", ""), ("range", ""),
        ("referer", ""), ("refresh", ""), ("retry-after", ""), ("server", ""), ("set-cookie", ""),
        ("strict-transport-security", ""), ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""), ("via", ""),
        ("www-authenticate", ""),
    ];

    /// <summary>Newest first (HPACK index 62 is the most recent insertion).</summary>
    private readonly List<(string Name, string Value)> _dynamic = [];
    private int _dynamicSize, _maxDynamicSize = 4096; // SETTINGS_HEADER_TABLE_SIZE default, which this client keeps

    /// <summary>Decodes one complete header block into <paramref name="into"/> (later fields of the same name overwrite).</summary>
    public void Decode(ReadOnlySpan<byte> block, IDictionary<string, string> into)
    {
        while (!block.IsEmpty)
        {
            byte b = block[0];
            if ((b & 0x80) != 0) // indexed header field
            {
                var (name, value) = Entry(ReadInteger(ref block, 7));
                into[name] = value;
            }
            else if ((b & 0xC0) == 0x40) // literal with incremental indexing
            {
                var field = ReadLiteral(ref block, 6);
                into[field.Name] = field.Value;
                Add(field);
            }
            else if ((b & 0xE0) == 0x20) // dynamic table size update
            {
                _maxDynamicSize = ReadInteger(ref block, 5);
                Evict();
            }
            else // literal without indexing (0000) or never indexed (0001)
            {
                var field = ReadLiteral(ref block, 4);
                into[field.Name] = field.Value;
            }
        }
    }

    private (string Name, string Value) ReadLiteral(ref ReadOnlySpan<byte> block, int prefixBits)
    {
        int index = ReadInteger(ref block, prefixBits);
        string name = index == 0 ? ReadString(ref block) : Entry(index).Name;
        return (name, ReadString(ref block));
    }

    private (string Name, string Value) Entry(int index)
    {
        if (index >= 1 && index <= Static.Length) return Static[index - 1];
        int d = index - Static.Length - 1;
        if (d >= 0 && d < _dynamic.Count) return _dynamic[d];
        throw new InvalidDataException($"HPACK: header index {index} is outside the static ({Static.Length}) and dynamic ({_dynamic.Count}) tables");
    }

    private void Add((string Name, string Value) field)
    {
        _dynamic.Insert(0, field);
        _dynamicSize += Size(field);
        Evict();
    }

    private void Evict()
    {
        while (_dynamicSize > _maxDynamicSize && _dynamic.Count > 0)
        {
            _dynamicSize -= Size(_dynamic[^1]);
            _dynamic.RemoveAt(_dynamic.Count - 1);
        }
    }

    private static int Size((string Name, string Value) f) => Encoding.UTF8.GetByteCount(f.Name) + Encoding.UTF8.GetByteCount(f.Value) + 32;

    private static string ReadString(ref ReadOnlySpan<byte> block)
    {
        if (block.IsEmpty) throw new InvalidDataException("HPACK: header block ends inside a string");
        if ((block[0] & 0x80) != 0) throw new InvalidDataException("HPACK: Huffman-coded header strings are not decoded by the weight push's own HTTP/2 framing");
        int length = ReadInteger(ref block, 7);
        if (length > block.Length) throw new InvalidDataException($"HPACK: a {length}-byte string overruns the header block");
        string s = Encoding.UTF8.GetString(block[..length]);
        block = block[length..];
        return s;
    }

    /// <summary>RFC 7541 §5.1 integer with an N-bit prefix; consumes its bytes.</summary>
    private static int ReadInteger(ref ReadOnlySpan<byte> block, int prefixBits)
    {
        int max = (1 << prefixBits) - 1;
        int value = block[0] & max;
        block = block[1..];
        if (value < max) return value;
        for (int shift = 0; ; shift += 7)
        {
            if (block.IsEmpty || shift > 28) throw new InvalidDataException("HPACK: malformed integer");
            byte b = block[0];
            block = block[1..];
            value += (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
    }
}
