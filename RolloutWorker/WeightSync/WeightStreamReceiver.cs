using System.Diagnostics;
using Grpc.Core;
using Vrm.Policy;
using Vrm.Protos.Weights;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// Reads one snapshot from a stream of <see cref="WeightChunk"/>s (a Push from the learner or a Pull answer):
/// header first, then payload chunks copied straight into one array while the SHA-256 runs incrementally right
/// behind them on its own thread (<see cref="WeightPayloadSink"/>), so verification costs no serial pass over the bytes. Anything wrong throws <see cref="WeightTransferException"/>
/// naming it; nothing is staged unless the whole payload arrived and its digest matches.
/// </summary>
public static class WeightStreamReceiver
{
    /// <param name="admit">Checks the header (run, version, layout) before any payload is read; throws to refuse early.</param>
    /// <param name="buffers">Where the payload array comes from (the holder's, reused between versions); null: a fresh array.</param>
    public static async Task<ReceivedWeights> ReceiveAsync(IAsyncStreamReader<WeightChunk> stream,
        Action<string, WeightSnapshotHeader> admit, CancellationToken cancellationToken, WeightReceiveBuffers? buffers = null)
    {
        var clock = Stopwatch.StartNew();
        if (!await stream.MoveNext(cancellationToken))
            throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream is empty: expected a header chunk");
        var first = stream.Current;
        if (first.Header is null)
            throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream: the first chunk carries no header");

        var header = ReadHeader(first.Header, admit);
        using var sink = new WeightPayloadSink(header, buffers);
        sink.Append(first.Data.Span);
        while (await stream.MoveNext(cancellationToken))
        {
            var chunk = stream.Current;
            if (chunk.Header is not null)
                throw new WeightTransferException(StatusCode.InvalidArgument, $"weight stream v{header.Version}: a second header after {sink.Received} bytes");
            sink.Append(chunk.Data.Span);
        }
        return new ReceivedWeights(first.Header.RunId, sink.Complete(), sink.Received, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The Push endpoint's variant: chunks parsed by <see cref="ArrivedWeightChunk"/>'s marshaller, which writes payload
    /// bytes into <paramref name="slot"/>'s sink straight from the request pipe once the header has been admitted.
    /// </summary>
    public static async Task<ReceivedWeights> ReceiveAsync(IAsyncStreamReader<ArrivedWeightChunk> stream, ArrivedWeightChunk.SinkSlot slot,
        Action<string, WeightSnapshotHeader> admit, CancellationToken cancellationToken, WeightReceiveBuffers? buffers = null)
    {
        var clock = Stopwatch.StartNew();
        if (!await stream.MoveNext(cancellationToken))
            throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream is empty: expected a header chunk");
        var first = stream.Current;
        first.ThrowIfError();
        if (first.Header is null)
            throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream: the first chunk carries no header");

        var header = ReadHeader(first.Header, admit);
        using var sink = new WeightPayloadSink(header, buffers);
        sink.Append(first.Data.Span); // arrived before the sink existed
        slot.Sink = sink;
        try
        {
            while (await stream.MoveNext(cancellationToken))
            {
                var chunk = stream.Current;
                chunk.ThrowIfError();
                if (chunk.Header is not null)
                    throw new WeightTransferException(StatusCode.InvalidArgument, $"weight stream v{header.Version}: a second header after {sink.Received} bytes");
                sink.Append(chunk.Data.Span); // empty when the marshaller already put the bytes in the sink
            }
        }
        finally { slot.Sink = null; }
        return new ReceivedWeights(first.Header.RunId, sink.Complete(), sink.Received, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Parses and checks the stream's header (its own version agrees with the snapshot header's), then lets the holder admit it.</summary>
    public static WeightSnapshotHeader ReadHeader(WeightHeader wire, Action<string, WeightSnapshotHeader> admit)
    {
        WeightSnapshotHeader header;
        try { header = WeightSnapshotHeader.FromBytes(wire.SnapshotHeader.Span); }
        catch (InvalidDataException e) { throw new WeightTransferException(StatusCode.InvalidArgument, e.Message); }
        if (header.Version != wire.Version)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream: header version {wire.Version} disagrees with snapshot header version {header.Version}");
        if (header.TotalBytes > Array.MaxLength)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream: total_bytes {header.TotalBytes} exceeds one array ({Array.MaxLength} bytes)");
        admit(wire.RunId, header);
        return header;
    }
}
