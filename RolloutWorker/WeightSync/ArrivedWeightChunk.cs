using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Vrm.Protos.Weights;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// A <see cref="WeightChunk"/> as the worker's Push endpoint reads it, with its own gRPC marshaller. The generated one
/// parses `bytes data` into a fresh ByteString (a 1 MiB large-object allocation and a copy per chunk) that the
/// receiver then copies again into the snapshot array. This one parses the protobuf fields off the request pipe itself
/// and, once the push's <see cref="WeightPayloadSink"/> exists, appends the payload bytes straight from the pipe into
/// the snapshot array (hashing them there): one copy fewer, no per-chunk allocation.
/// The sink reaches the marshaller through <see cref="SinkSlot"/>, an ambient (AsyncLocal) slot the Push handler
/// installs: grpc-dotnet deserializes inside the handler's own MoveNext call, so the slot flows to it. Where it does
/// not (no slot, or the header chunk that creates the sink) the bytes are copied into <see cref="Data"/>: slower, never wrong.
/// </summary>
public sealed class ArrivedWeightChunk
{
    private static readonly AsyncLocal<SinkSlot?> Ambient = new();

    public WeightHeader? Header { get; private init; }
    /// <summary>Payload bytes not yet in a sink (copied out of the pipe); empty when they went to the sink.</summary>
    public ReadOnlyMemory<byte> Data { get; private init; }
    /// <summary>How many payload bytes this chunk appended to the sink directly.</summary>
    public int BytesInSink { get; private init; }
    /// <summary>A refusal found while parsing (malformed chunk, more bytes than announced): the handler throws it.</summary>
    public WeightTransferException? Error { get; private init; }

    public static readonly Marshaller<ArrivedWeightChunk> Marshaller = new(Serialize, Deserialize);

    /// <summary>Payload bytes, process-wide, that went from the request pipe straight into a sink (diagnostics, tests, bench).</summary>
    public static long BytesIntoSinkTotal => Interlocked.Read(ref _bytesIntoSink);
    private static long _bytesIntoSink;

    /// <summary>Where the current Push's payload goes; set <see cref="Sink"/> once the header is admitted.</summary>
    public sealed class SinkSlot : IDisposable
    {
        public WeightPayloadSink? Sink { get; set; }
        public void Dispose() { Sink = null; Ambient.Value = null; }
    }

    /// <summary>Installs an empty slot for the calling handler's flow (and the deserializations it awaits).</summary>
    public static SinkSlot InstallSlot()
    {
        var slot = new SinkSlot();
        Ambient.Value = slot;
        return slot;
    }

    public void ThrowIfError()
    {
        if (Error is not null) throw Error;
    }

    private static void Serialize(ArrivedWeightChunk chunk, SerializationContext context)
    {
        // Only for completeness (the server never sends a request message): the generated message's encoding.
        var message = new WeightChunk { Data = UnsafeByteOperations.UnsafeWrap(chunk.Data) };
        if (chunk.Header is not null) message.Header = chunk.Header;
        context.Complete(message.ToByteArray());
    }

    private static ArrivedWeightChunk Deserialize(DeserializationContext context)
    {
        var message = context.PayloadAsReadOnlySequence();
        WeightHeader? header = null;
        ReadOnlySequence<byte> data = default;
        try
        {
            var reader = new SequenceReader<byte>(message);
            while (!reader.End)
            {
                ulong tag = ReadVarint(ref reader);
                int field = (int)(tag >> 3);
                switch ((int)(tag & 7))
                {
                    case 0: ReadVarint(ref reader); break;
                    case 1: Skip(ref reader, 8); break;
                    case 5: Skip(ref reader, 4); break;
                    case 2:
                        long length = (long)ReadVarint(ref reader);
                        if (length < 0 || length > reader.Remaining) throw new InvalidDataException($"field {field} claims {length} bytes, {reader.Remaining} left");
                        var value = message.Slice(reader.Position, length);
                        reader.Advance(length);
                        if (field == 1) header = WeightHeader.Parser.ParseFrom(value);
                        else if (field == 2) data = value; // a repeated singular field: the last one wins, as in protobuf
                        break; // unknown fields are skipped, as the generated parser would
                    default: throw new InvalidDataException($"unsupported wire type {tag & 7} for field {field}");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidProtocolBufferException)
        {
            return new ArrivedWeightChunk { Error = new WeightTransferException(StatusCode.InvalidArgument, $"weight chunk is not a valid WeightChunk: {e.Message}") };
        }

        if (data.IsEmpty) return new ArrivedWeightChunk { Header = header };
        var sink = Ambient.Value?.Sink;
        if (sink is null || header is not null) return new ArrivedWeightChunk { Header = header, Data = data.ToArray() };
        try { sink.Append(data); }
        catch (WeightTransferException e) { return new ArrivedWeightChunk { Error = e }; }
        Interlocked.Add(ref _bytesIntoSink, data.Length);
        return new ArrivedWeightChunk { BytesInSink = (int)data.Length };
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out byte b)) throw new InvalidDataException("message ends inside a varint");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }

    private static void Skip(ref SequenceReader<byte> reader, int count)
    {
        if (reader.Remaining < count) throw new InvalidDataException("message ends inside a fixed-size field");
        reader.Advance(count);
    }
}
