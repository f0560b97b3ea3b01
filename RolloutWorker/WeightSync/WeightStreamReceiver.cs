using System.Diagnostics;
using System.Security.Cryptography;
using Grpc.Core;
using Vrm.Policy;
using Vrm.Protos.Weights;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// Reads one snapshot from a stream of <see cref="WeightChunk"/>s (a Push from the learner or a Pull answer):
/// header first, then payload chunks copied straight into one array while the SHA-256 is computed incrementally,
/// so verification costs no second pass over the bytes. Anything wrong throws <see cref="WeightTransferException"/>
/// naming it; nothing is staged unless the whole payload arrived and its digest matches.
/// </summary>
public static class WeightStreamReceiver
{
    /// <param name="admit">Checks the header (run, version, layout) before any payload is read; throws to refuse early.</param>
    public static async Task<ReceivedWeights> ReceiveAsync(IAsyncStreamReader<WeightChunk> stream,
        Action<string, WeightSnapshotHeader> admit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!await stream.MoveNext(cancellationToken))
            throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream is empty: expected a header chunk");
        var first = stream.Current;
        if (first.Header is null)
            throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream: the first chunk carries no header");

        WeightSnapshotHeader header;
        try { header = WeightSnapshotHeader.FromBytes(first.Header.SnapshotHeader.Span); }
        catch (InvalidDataException e) { throw new WeightTransferException(StatusCode.InvalidArgument, e.Message); }
        if (header.Version != first.Header.Version)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream: header version {first.Header.Version} disagrees with snapshot header version {header.Version}");
        if (header.TotalBytes > Array.MaxLength)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream: total_bytes {header.TotalBytes} exceeds one array ({Array.MaxLength} bytes)");
        admit(first.Header.RunId, header);

        var payload = GC.AllocateUninitializedArray<byte>((int)header.TotalBytes);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long received = 0;

        void Take(WeightChunk chunk)
        {
            var data = chunk.Data.Span;
            if (data.Length == 0) return;
            if (received + data.Length > header.TotalBytes)
                throw new WeightTransferException(StatusCode.InvalidArgument,
                    $"weight stream v{header.Version}: carries more than the header's total_bytes {header.TotalBytes} (at least {received + data.Length})");
            var target = payload.AsSpan((int)received, data.Length);
            data.CopyTo(target);
            sha.AppendData(target);
            received += data.Length;
        }

        Take(first);
        while (await stream.MoveNext(cancellationToken))
        {
            var chunk = stream.Current;
            if (chunk.Header is not null)
                throw new WeightTransferException(StatusCode.InvalidArgument, $"weight stream v{header.Version}: a second header after {received} bytes");
            Take(chunk);
        }
        if (received != header.TotalBytes)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream v{header.Version}: truncated: received {received} of {header.TotalBytes} bytes");
        string digest = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (!string.Equals(digest, header.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new WeightTransferException(StatusCode.DataLoss,
                $"weight stream v{header.Version}: SHA-256 mismatch: received payload {digest}, header says {header.Sha256}");

        return new ReceivedWeights(first.Header.RunId, WeightSnapshot.FromParts(header, payload), received, clock.Elapsed.TotalSeconds);
    }
}
