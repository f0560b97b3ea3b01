using System.Diagnostics;
using System.Security.Cryptography;
using TorchSharp;
using Vrm.Policy;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

public sealed class WeightSnapshotTests(ITestOutputHelper output)
{
    [Fact]
    public void CaptureThenApplyIsBitExact()
    {
        using var source = new TinyNet(21);
        using var target = new TinyNet(22);
        TinyNet.AssertDifferentState(source, target);

        var snap = WeightSnapshot.Capture(source, version: 3);
        Assert.Equal(3, snap.Version);
        Assert.Equal(source.state_dict().Keys.Order(StringComparer.Ordinal), snap.Layout.Select(e => e.Name));
        Assert.Equal(snap.Layout.Sum(e => e.Length), snap.Payload.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(snap.Payload.Span)), snap.Sha256);
        snap.Verify();

        snap.ApplyTo(target);
        TinyNet.AssertSameState(source, target);
        using var x = torch.tensor(new long[] { 0, 3, 31 });
        Assert.True(source.forward(x).equal(target.forward(x)).all().item<bool>());
    }

    [Fact]
    public void HeaderAndPayloadTravelSeparatelyAndReassemble()
    {
        using var source = new TinyNet(23);
        var sent = WeightSnapshot.Capture(source, version: 9);
        var wireHeader = sent.Header.ToBytes();
        var header = WeightSnapshotHeader.FromBytes(wireHeader);
        Assert.Equal(9, header.Version);
        Assert.Equal(sent.Sha256, header.Sha256);
        Assert.Equal(sent.Payload.Length, header.TotalBytes);
        Assert.Equal(sent.Layout.Count, header.Layout.Count);
        Assert.All(sent.Layout.Zip(header.Layout), p => Assert.True(p.First.SameTensorAs(p.Second) && p.First.Offset == p.Second.Offset));

        // the receiver assembles chunks into one array
        var received = new byte[header.TotalBytes];
        for (int at = 0; at < received.Length; at += 1000)
            sent.Payload.Span[at..Math.Min(at + 1000, received.Length)].CopyTo(received.AsSpan(at));
        var snap = WeightSnapshot.FromParts(header, received);
        snap.Verify();
        using var target = new TinyNet(24);
        snap.ApplyTo(target);
        TinyNet.AssertSameState(source, target);
    }

    [Fact]
    public void CorruptedPayloadIsRejectedAndTargetUnchanged()
    {
        using var source = new TinyNet(25);
        var sent = WeightSnapshot.Capture(source, version: 1);
        var payload = sent.Payload.ToArray();
        payload[payload.Length / 2] ^= 0x01; // one flipped bit in transit
        var snap = WeightSnapshot.FromParts(sent.Header, payload);
        Assert.Contains("SHA-256 mismatch", Assert.Throws<InvalidDataException>(snap.Verify).Message);

        using var target = new TinyNet(26);
        var before = TinyNet.StateBytes(target);
        Assert.Contains("SHA-256 mismatch", Assert.Throws<InvalidDataException>(() => snap.ApplyTo(target)).Message);
        AssertUnchanged(before, target);

        // a header whose digest is wrong (payload intact) is rejected the same way
        var wrongDigest = WeightSnapshot.FromParts(sent.Header with { Sha256 = new string('0', 64) }, sent.Payload.ToArray());
        Assert.Throws<InvalidDataException>(() => wrongDigest.ApplyTo(target));
        AssertUnchanged(before, target);
    }

    [Fact]
    public void WrongSizeIsRejected()
    {
        using var source = new TinyNet(27);
        var sent = WeightSnapshot.Capture(source, version: 1);
        Assert.Contains("payload has", Assert.Throws<InvalidDataException>(() => WeightSnapshot.FromParts(sent.Header, sent.Payload[..^4].ToArray())).Message);
        Assert.Contains("total_bytes", Assert.Throws<InvalidDataException>(() => WeightSnapshot.FromParts(sent.Header with { TotalBytes = sent.Header.TotalBytes + 4 }, [.. sent.Payload.ToArray(), 0, 0, 0, 0])).Message);
        Assert.Contains("bad JSON", Assert.Throws<InvalidDataException>(() => WeightSnapshotHeader.FromBytes("{\"version\":"u8)).Message);
        var shifted = sent.Header with { Layout = [sent.Layout[0] with { Offset = 4 }, .. sent.Layout.Skip(1)] };
        Assert.Contains("expected 0", Assert.Throws<InvalidDataException>(() => WeightSnapshotHeader.FromBytes(shifted.ToBytes())).Message);
    }

    [Fact]
    public void LayoutMismatchIsRejectedAndTargetUnchanged()
    {
        using var wide = new TinyNet(28, dim: 16);
        var snap = WeightSnapshot.Capture(wide, version: 2);

        using var narrow = new TinyNet(29, dim: 8);
        var before = TinyNet.StateBytes(narrow);
        Assert.Contains("'proj.weight': snapshot F32 [16, 16], module F32 [8, 8]", Assert.Throws<InvalidDataException>(() => snap.ApplyTo(narrow)).Message);
        AssertUnchanged(before, narrow);

        using var extra = new TinyNet(30, extra: true);
        var beforeExtra = TinyNet.StateBytes(extra);
        Assert.Contains("snapshot lacks module tensor 'extra_bias'", Assert.Throws<InvalidDataException>(() => snap.ApplyTo(extra)).Message);
        AssertUnchanged(beforeExtra, extra);

        using var f64 = new TinyNet(31);
        f64.to(ScalarType.Float64);
        Assert.Contains("module F64", Assert.Throws<InvalidDataException>(() => snap.ApplyTo(f64)).Message);
    }

    [Fact]
    public void CaptureAndApplyRunAtMemoryCopySpeed()
    {
        // ~34 MB of weights. Span copies run at GB/s (FINDINGS: ~5.6 GB/s), so SHA-256 sets the pace; a per-element
        // copy through TorchSharp indexers would run at a few MB/s. The bound is loose because the 2 cores are shared.
        using var source = new TinyNet(32, dim: 2048, vocab: 2048);
        using var target = new TinyNet(33, dim: 2048, vocab: 2048);
        WeightSnapshot.Capture(source, 0).ApplyTo(target); // warm-up
        var sw = Stopwatch.StartNew();
        var snap = WeightSnapshot.Capture(source, 1);
        double captureS = sw.Elapsed.TotalSeconds;
        sw.Restart();
        snap.ApplyTo(target);
        double applyS = sw.Elapsed.TotalSeconds;
        sw.Restart();
        snap.Verify();
        double verifyS = sw.Elapsed.TotalSeconds;
        double mb = snap.Payload.Length / 1e6;
        output.WriteLine($"snapshot {mb:F1} MB: capture (copy + SHA-256) {mb / captureS:F0} MB/s, apply (verify + copy) {mb / applyS:F0} MB/s, SHA-256 alone {mb / verifyS:F0} MB/s");
        TinyNet.AssertSameState(source, target);
        Assert.True(mb / captureS > 25 && mb / applyS > 25, $"capture {mb / captureS:F0} MB/s, apply {mb / applyS:F0} MB/s");
    }

    private static void AssertUnchanged(Dictionary<string, byte[]> before, nn.Module m)
    {
        var after = TinyNet.StateBytes(m);
        Assert.All(before.Keys, k => Assert.True(before[k].AsSpan().SequenceEqual(after[k]), $"'{k}' changed by a rejected snapshot"));
    }
}
