using System.Text;

namespace Vrm.Protos;

/// <summary>
/// The HPACK (RFC 7541) the weight push's own HTTP/2 framing writes on both ends — the learner's request headers
/// (WeightPushConnection) and the worker's answer and trailers (BulkPushConnection): literal header fields without
/// indexing, with a literal name, no Huffman coding. Nothing enters either side's dynamic table, so every block
/// decodes on its own; a few header blocks per GB-scale push make compression worthless here.
/// </summary>
public static class HpackEncoder
{
    /// <summary>Appends one field as "literal header field without indexing — new name" (RFC 7541 §6.2.2). ASCII only.</summary>
    public static void WriteLiteral(Stream block, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(block);
        block.WriteByte(0x00);
        Span<byte> length = stackalloc byte[8];
        foreach (string s in (ReadOnlySpan<string>)[name, value])
        {
            var bytes = Encoding.ASCII.GetBytes(s);
            block.Write(length[..WriteInteger(length, bytes.Length, 7, 0x00)]); // high bit 0: not Huffman-coded
            block.Write(bytes);
        }
    }

    /// <summary>HPACK integer with an N-bit prefix (RFC 7541 §5.1), <paramref name="firstByteFlags"/> in the bits above it; returns bytes written.</summary>
    public static int WriteInteger(Span<byte> to, int value, int prefixBits, byte firstByteFlags)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        int max = (1 << prefixBits) - 1;
        if (value < max) { to[0] = (byte)(firstByteFlags | value); return 1; }
        to[0] = (byte)(firstByteFlags | max);
        value -= max;
        int i = 1;
        while (value >= 0x80) { to[i++] = (byte)(value % 0x80 + 0x80); value /= 0x80; }
        to[i++] = (byte)value;
        return i;
    }
}
