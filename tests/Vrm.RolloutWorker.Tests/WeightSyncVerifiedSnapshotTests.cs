using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Vrm.Policy;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker.Tests;

/// <summary>
/// A payload the receiver hashed as it arrived is not hashed again when the worker swaps it in — once; any other
/// snapshot, and the same one applied a second time (its array may have been recycled), is still checked.
/// </summary>
public sealed class WeightSyncVerifiedSnapshotTests
{
    [Fact]
    public void A_received_snapshot_skips_the_second_hash_once_and_a_later_apply_checks_again()
    {
        using var source = TinyPolicy.Create(seed: 5);
        using var target = TinyPolicy.Create(seed: 6);
        var sent = WeightSnapshot.Capture(source, 1);
        Assert.False(sent.DigestJustVerified); // captured in-process: ApplyTo keeps its own check

        using var sink = new WeightPayloadSink(sent.Header);
        sink.Append(sent.Payload.Span);
        var received = sink.Complete();
        Assert.True(received.DigestJustVerified);
        received.ApplyTo(target);
        Assert.Equal(TinyPolicy.Greedy(source), TinyPolicy.Greedy(target));
        Assert.False(received.DigestJustVerified); // one-shot

        // The array is recycled after a swap: bytes changed after the receiver's check are caught by the next ApplyTo.
        Assert.True(MemoryMarshal.TryGetArray(received.Payload, out var segment));
        segment.Array![segment.Count / 2] ^= 0x01;
        using var other = TinyPolicy.Create(seed: 7);
        var before = TinyPolicy.Greedy(other);
        Assert.Contains("SHA-256 mismatch", Assert.Throws<InvalidDataException>(() => received.ApplyTo(other)).Message);
        Assert.Equal(before, TinyPolicy.Greedy(other));
    }

    [Fact]
    public void FromVerifiedParts_refuses_a_digest_that_is_not_the_headers()
    {
        var payload = new byte[4096];
        new Random(3).NextBytes(payload);
        var header = new WeightSnapshotHeader(1, [new WeightLayoutEntry("blob", "U8", [payload.Length], 0, payload.Length)], payload.Length,
            Convert.ToHexStringLower(SHA256.HashData(payload)));
        var tampered = (byte[])payload.Clone();
        tampered[0] ^= 0x80;

        Assert.True(WeightSnapshot.FromVerifiedParts(header, payload, SHA256.HashData(payload)).DigestJustVerified);
        Assert.Contains("SHA-256 mismatch", Assert.Throws<InvalidDataException>(() =>
            WeightSnapshot.FromVerifiedParts(header, tampered, SHA256.HashData(tampered))).Message);
        Assert.Throws<ArgumentException>(() => WeightSnapshot.FromVerifiedParts(header, payload, new byte[16]));
        Assert.False(WeightSnapshot.FromParts(header, payload).DigestJustVerified);
    }
}
