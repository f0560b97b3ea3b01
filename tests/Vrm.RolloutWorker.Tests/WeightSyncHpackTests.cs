using Vrm.Protos;

namespace Vrm.RolloutWorker.Tests;

/// <summary>The HPACK shared by the push's two ends (Vrm.Protos.HpackEncoder / HpackDecoder), against RFC 7541's own examples.</summary>
public sealed class WeightSyncHpackTests
{
    [Theory]
    [InlineData(10, 5, new byte[] { 0x0a })]              // RFC 7541 C.1.1
    [InlineData(1337, 5, new byte[] { 0x1f, 0x9a, 0x0a })] // C.1.2
    [InlineData(42, 8, new byte[] { 0x2a })]              // C.1.3
    [InlineData(127, 7, new byte[] { 0x7f, 0x00 })]       // the prefix's maximum needs a continuation byte
    public void Integers_encode_as_in_RFC_7541(int value, int prefixBits, byte[] expected)
    {
        var buffer = new byte[8];
        int n = HpackEncoder.WriteInteger(buffer, value, prefixBits, 0x00);
        Assert.Equal(expected, buffer[..n]);
    }

    [Fact]
    public void Literals_round_trip_including_strings_past_the_7_bit_prefix()
    {
        var block = new MemoryStream();
        string longValue = new('x', 300);
        HpackEncoder.WriteLiteral(block, ":path", "/vrm.weights.WeightSync/Push");
        HpackEncoder.WriteLiteral(block, "grpc-message", longValue);
        HpackEncoder.WriteLiteral(block, "empty", "");
        var bytes = block.ToArray();
        Assert.Equal(0x00, bytes[0]); // literal without indexing, new name: nothing enters the peer's dynamic table

        var fields = new Dictionary<string, string>();
        new HpackDecoder().Decode(bytes, fields);
        Assert.Equal("/vrm.weights.WeightSync/Push", fields[":path"]);
        Assert.Equal(longValue, fields["grpc-message"]);
        Assert.Equal("", fields["empty"]);
    }

    [Fact]
    public void The_decoder_reads_RFC_7541_C_3_indexed_and_incrementally_indexed_fields_and_refuses_Huffman()
    {
        var decoder = new HpackDecoder();
        var first = new Dictionary<string, string>();
        decoder.Decode(Convert.FromHexString("828684410f7777772e6578616d706c652e636f6d"), first); // C.3.1
        Assert.Equal(new Dictionary<string, string> { [":method"] = "GET", [":scheme"] = "http", [":path"] = "/", [":authority"] = "www.example.com" }, first);
        var second = new Dictionary<string, string>();
        decoder.Decode(Convert.FromHexString("828684be58086e6f2d6361636865"), second); // C.3.2: index 62 is the dynamic entry from C.3.1
        Assert.Equal("www.example.com", second[":authority"]);
        Assert.Equal("no-cache", second["cache-control"]);

        // C.4.1's Huffman-coded :authority: named refusal, not a crash.
        var e = Assert.Throws<InvalidDataException>(() => new HpackDecoder().Decode(Convert.FromHexString("828684418cf1e3c2e5f23a6ba0ab90f4ff"), new Dictionary<string, string>()));
        Assert.Contains("Huffman", e.Message);
        Assert.Contains("index 99", Assert.Throws<InvalidDataException>(() => new HpackDecoder().Decode([0x80 | 99], new Dictionary<string, string>())).Message);
    }
}
