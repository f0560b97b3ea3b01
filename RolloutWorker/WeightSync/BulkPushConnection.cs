using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Vrm.Protos;
using Vrm.Protos.Weights;
using FrameType = Vrm.Protos.Http2FrameType;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// The worker's fast path for a learner's weight push: a Kestrel connection middleware on the WeightSync endpoint that
/// serves WeightSync.Push itself when the connection announces it (the private SETTINGS id <see cref="SettingId"/>, sent
/// by the learner's WeightPushConnection; HTTP/2 peers ignore unknown settings, RFC 9113 §6.5.2). Every other
/// connection — stock gRPC clients, GetVersion, health checks — goes on to Kestrel's HTTP/2 server untouched.
/// Why: on Kestrel's path each payload byte is copied from the socket into a transport block, from there into the
/// HTTP/2 stream's request pipe, and from that into the snapshot array, with the gRPC and HTTP/2 stream machinery in
/// between. Here DATA frames are parsed straight off the transport pipe and the payload is copied once, into the
/// snapshot array (<see cref="WeightPayloadSink"/>, SHA-256 on its own thread). Same bytes on the wire, same checks
/// (header admitted before any payload, size, SHA-256 before staging, version order), same gRPC statuses in the trailers.
/// Scope, on purpose: exactly one client-streaming Push per connection (stream 1 or any one odd stream), HPACK request
/// headers without Huffman coding (<see cref="HpackDecoder"/>, shared with the learner's end); anything else is
/// refused with a named status. Flow-control windows are opened wide: the transport pipe's own limit
/// (Kestrel MaxRequestBufferSize) is what holds a fast sender back.
/// </summary>
public sealed class BulkPushConnection
{
    /// <summary>Private HTTP/2 setting "this connection carries one WeightSync.Push for the bulk path" (value 1).</summary>
    public const ushort SettingId = 0xF0B1;
    public static readonly string PushPath = $"/{Protos.Weights.WeightSync.Descriptor.FullName}/Push";

    private const int PrefaceLength = 24;
    private const int MaxFrame = (1 << 24) - 1;
    private const int MaxWindow = int.MaxValue;
    private const int MaxHeaderMessageBytes = 16 << 20; // a header chunk (layout JSON) or an odd-shaped data chunk
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Payload bytes, process-wide, that arrived over this path (tests, bench).</summary>
    public static long BytesReceivedTotal => Interlocked.Read(ref _bytesReceivedTotal);
    private static long _bytesReceivedTotal;

    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly WorkerIdentity _identity;
    private readonly PolicyHolder _holder;
    private readonly ILogger _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private int _streamId;
    private readonly MemoryStream _headerBlock = new();
    private readonly HpackDecoder _hpack = new(); // the connection's request-side HPACK state
    private WeightPayloadSink? _sink;
    private string _runId = "";
    private long _unacknowledged; // DATA bytes consumed since the last WINDOW_UPDATE

    // gRPC message cursor over the DATA payload.
    private enum Part { Prefix, FieldHead, Payload, Buffered }
    private Part _part = Part.Prefix;
    private readonly byte[] _small = new byte[16];
    private int _smallFilled;
    private long _messageLeft, _payloadLeft;
    private MemoryStream? _buffered;

    private BulkPushConnection(ConnectionContext connection, WorkerIdentity identity, PolicyHolder holder, ILogger log)
    {
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _identity = identity;
        _holder = holder;
        _log = log;
    }

    /// <summary>The middleware: peeks at the client preface and its first SETTINGS frame, serves a bulk push or hands the connection on.</summary>
    public static ConnectionDelegate Middleware(ConnectionDelegate next, WorkerIdentity identity, PolicyHolder holder, Func<ILogger> log) =>
        async connection =>
        {
            if (await AnnouncesBulkPushAsync(connection.Transport.Input, connection.ConnectionClosed))
                await new BulkPushConnection(connection, identity, holder, log()).ServeAsync();
            else
                await next(connection);
        };

    /// <summary>
    /// True (preface and SETTINGS consumed) when the client's first SETTINGS carries <see cref="SettingId"/>; otherwise
    /// nothing is consumed and the bytes read so far are left unexamined, so Kestrel's next read returns them at once.
    /// A client always sends its SETTINGS right after the preface without waiting for the server (RFC 9113 §3.4).
    /// </summary>
    private static async Task<bool> AnnouncesBulkPushAsync(PipeReader input, CancellationToken closed)
    {
        SequencePosition? examined = null;
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(closed); }
            catch (OperationCanceledException) { return false; }
            var buffer = result.Buffer;
            var start = buffer.Start;
            bool? verdict = Inspect(buffer, out long settingsEnd);
            if (verdict is null && !result.IsCompleted && !result.IsCanceled)
            {
                examined = buffer.End; // wait for more
                input.AdvanceTo(start, buffer.End);
                continue;
            }
            if (verdict == true)
            {
                input.AdvanceTo(buffer.GetPosition(settingsEnd));
                return true;
            }
            // Not ours: consume nothing, and examine no more than before so Kestrel's read does not wait for new bytes.
            input.AdvanceTo(start, examined ?? start);
            return false;
        }
    }

    private static bool? Inspect(in ReadOnlySequence<byte> buffer, out long settingsEnd)
    {
        settingsEnd = 0;
        Span<byte> head = stackalloc byte[PrefaceLength + 9];
        int have = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, have).CopyTo(head);
        if (!head[..Math.Min(have, PrefaceLength)].SequenceEqual(Preface[..Math.Min(have, PrefaceLength)])) return false;
        if (have < head.Length) return null;
        int length = (head[PrefaceLength] << 16) | (head[PrefaceLength + 1] << 8) | head[PrefaceLength + 2];
        if (head[PrefaceLength + 3] != (byte)FrameType.Settings || length % 6 != 0 || length > 64 * 6) return false;
        if (buffer.Length < head.Length + length) return null;
        Span<byte> settings = stackalloc byte[length];
        buffer.Slice(head.Length, length).CopyTo(settings);
        settingsEnd = head.Length + length;
        for (int i = 0; i < length; i += 6)
            if (BinaryPrimitives.ReadUInt16BigEndian(settings[i..]) == SettingId && BinaryPrimitives.ReadUInt32BigEndian(settings[(i + 2)..]) == 1)
                return true;
        return false;
    }

    private async Task ServeAsync()
    {
        var closed = _connection.ConnectionClosed;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(closed);
        try
        {
            // Server preface: our SETTINGS (large frames, the widest stream window), the ACK of the client's, the widest connection window.
            var preface = new byte[9 + 2 * 6 + 9 + 9 + 4];
            WriteFrameHeader(preface, 12, FrameType.Settings, 0, 0);
            Http2Frames.WriteSetting(preface.AsSpan(9), 4, (uint)MaxWindow);   // SETTINGS_INITIAL_WINDOW_SIZE
            Http2Frames.WriteSetting(preface.AsSpan(15), 5, (uint)MaxFrame);   // SETTINGS_MAX_FRAME_SIZE
            WriteFrameHeader(preface.AsSpan(21), 0, FrameType.Settings, Ack, 0);
            WriteFrameHeader(preface.AsSpan(30), 4, FrameType.WindowUpdate, 0, 0);
            BinaryPrimitives.WriteInt32BigEndian(preface.AsSpan(39), MaxWindow - 65_535);
            await _output.WriteAsync(preface, closed);

            while (true)
            {
                var result = await _input.ReadAsync(deadline.Token);
                var buffer = result.Buffer;
                bool done = false;
                while (!done && TryTakeFrame(ref buffer, out var type, out byte flags, out int stream, out var payload))
                    done = await OnFrameAsync(type, flags, stream, payload, deadline);
                _input.AdvanceTo(buffer.Start, result.Buffer.End);
                if (done) break;
                if (result.IsCompleted || result.IsCanceled)
                {
                    Refused(new WeightTransferException(StatusCode.Unavailable, "weight push: the learner closed the connection mid-push"), respond: false);
                    return;
                }
                if (_unacknowledged >= 256 << 20) await OpenWindowAsync(closed);
            }
            await DrainAsync(closed);
        }
        catch (OperationCanceledException) when (!closed.IsCancellationRequested)
        {
            Refused(new WeightTransferException(StatusCode.DeadlineExceeded, "weight push: deadline exceeded"), respond: false);
            try { await RespondAsync(StatusCode.DeadlineExceeded, "weight push: deadline exceeded", null, CancellationToken.None); }
            catch (Exception e) when (e is IOException or ConnectionResetException or InvalidOperationException) { /* the peer is gone */ }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
            Refused(new WeightTransferException(StatusCode.Unavailable, $"weight push: connection lost: {e.Message}"), respond: false);
        }
        catch (InvalidDataException e)
        {
            // A frame this endpoint cannot take: GOAWAY(PROTOCOL_ERROR) naming it, then close.
            Refused(new WeightTransferException(StatusCode.Internal, e.Message), respond: false);
            var goAway = new byte[9 + 8 + Encoding.UTF8.GetByteCount(e.Message)];
            WriteFrameHeader(goAway, goAway.Length - 9, FrameType.GoAway, 0, 0);
            BinaryPrimitives.WriteInt32BigEndian(goAway.AsSpan(9), _streamId);
            BinaryPrimitives.WriteInt32BigEndian(goAway.AsSpan(13), 1); // PROTOCOL_ERROR
            Encoding.UTF8.GetBytes(e.Message, goAway.AsSpan(17));
            try { await _output.WriteAsync(goAway, CancellationToken.None); } catch (Exception) { /* the peer is gone */ }
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // The transport was torn down under us (e.g. the host stopping): nothing to answer on.
            Refused(new WeightTransferException(StatusCode.Unavailable, $"weight push: connection torn down: {e.Message}"), respond: false);
        }
        finally
        {
            _sink?.Dispose(); // a payload not completed gives its array back
            _sink = null;
            await _output.CompleteAsync();
        }
    }

    /// <summary>After the answer: read and drop whatever the learner still sends until it closes (it stops at our END_STREAM).</summary>
    private async Task DrainAsync(CancellationToken closed)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(closed);
        patience.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(patience.Token);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException) { }
    }

    private static bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out FrameType type, out byte flags, out int stream, out ReadOnlySequence<byte> payload)
    {
        type = 0; flags = 0; stream = 0; payload = default;
        if (buffer.Length < 9) return false;
        Span<byte> h = stackalloc byte[9];
        buffer.Slice(0, 9).CopyTo(h);
        int length = (h[0] << 16) | (h[1] << 8) | h[2];
        if (length > MaxFrame) throw new InvalidDataException($"weight push: a {length}-byte frame, above the {MaxFrame} announced");
        if (buffer.Length < 9 + length) return false;
        type = (FrameType)h[3];
        flags = h[4];
        stream = BinaryPrimitives.ReadInt32BigEndian(h[5..]) & int.MaxValue;
        payload = buffer.Slice(9, length);
        buffer = buffer.Slice(9 + length);
        return true;
    }

    /// <summary>Handles one frame; true once the call is answered.</summary>
    private async ValueTask<bool> OnFrameAsync(FrameType type, byte flags, int stream, ReadOnlySequence<byte> payload, CancellationTokenSource deadline)
    {
        switch (type)
        {
            case FrameType.Settings or FrameType.WindowUpdate or FrameType.Priority:
                return false; // our answer is far below any window; the client's settings change nothing here
            case FrameType.Ping when (flags & Ack) == 0:
                var pong = new byte[9 + 8];
                WriteFrameHeader(pong, 8, FrameType.Ping, Ack, 0);
                payload.Slice(0, 8).CopyTo(pong.AsSpan(9));
                await _output.WriteAsync(pong, deadline.Token);
                return false;
            case FrameType.Ping:
                return false;
            case FrameType.RstStream or FrameType.GoAway:
                throw new IOException($"the learner ended the push ({type})");
            case FrameType.Headers or FrameType.Continuation:
                return await OnHeadersAsync(type, flags, stream, payload, deadline);
            case FrameType.Data:
                if (stream != _streamId || _streamId == 0) throw new InvalidDataException($"weight push: DATA on stream {stream}, the push is stream {_streamId}");
                _unacknowledged += payload.Length;
                try
                {
                    var data = Unpad(payload, flags);
                    Consume(data);
                    Interlocked.Add(ref _bytesReceivedTotal, data.Length);
                    if ((flags & EndStream) != 0) return await FinishAsync(deadline.Token);
                }
                catch (WeightTransferException e)
                {
                    Refused(e, respond: true);
                    await RespondAsync(e.Status, e.Message, null, deadline.Token);
                    return true;
                }
                return false;
            default:
                return false; // unknown frame types are ignored (RFC 9113 §4.1)
        }
    }

    private async ValueTask<bool> OnHeadersAsync(FrameType type, byte flags, int stream, ReadOnlySequence<byte> payload, CancellationTokenSource deadline)
    {
        if (type == FrameType.Headers)
        {
            if (_streamId != 0)
            {
                if (stream == _streamId && (flags & EndStream) != 0) return await FinishAsync(deadline.Token); // trailers end the request
                throw new InvalidDataException($"weight push: a second request (stream {stream}) on a bulk-push connection");
            }
            if (stream % 2 == 0) throw new InvalidDataException($"weight push: request on even stream {stream}");
            _streamId = stream;
            if ((flags & EndStream) != 0) throw new InvalidDataException("weight push: request headers end the stream (no payload)");
            payload = Unpad(payload, flags);
            if ((flags & PriorityFlag) != 0) payload = payload.Slice(5);
        }
        else if (stream != _streamId) throw new InvalidDataException($"weight push: CONTINUATION on stream {stream}");
        foreach (var segment in payload) _headerBlock.Write(segment.Span);
        if ((flags & EndHeaders) == 0) return false;

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        _hpack.Decode(_headerBlock.GetBuffer().AsSpan(0, (int)_headerBlock.Length), headers);
        if (!headers.TryGetValue(":path", out var path) || path != PushPath)
        {
            await RespondAsync(StatusCode.Unimplemented, $"the bulk-push path serves {PushPath}, not {path ?? "(no :path)"}", null, deadline.Token);
            return true;
        }
        if (!headers.TryGetValue("content-type", out var contentType) || !contentType.StartsWith("application/grpc", StringComparison.Ordinal))
        {
            await RespondAsync(StatusCode.Internal, $"weight push: content-type '{contentType}' is not application/grpc", null, deadline.Token);
            return true;
        }
        if (headers.TryGetValue("grpc-timeout", out var timeout) && TryParseTimeout(timeout, out var span)) deadline.CancelAfter(span);
        return false;
    }

    // --- the gRPC message stream of WeightChunks ---

    private void Consume(ReadOnlySequence<byte> data)
    {
        while (!data.IsEmpty)
        {
            switch (_part)
            {
                case Part.Prefix:
                {
                    int take = (int)Math.Min(5 - _smallFilled, data.Length);
                    data.Slice(0, take).CopyTo(_small.AsSpan(_smallFilled));
                    data = data.Slice(take);
                    if ((_smallFilled += take) < 5) break;
                    if (_small[0] != 0) throw new WeightTransferException(StatusCode.Unimplemented, "weight push: compressed gRPC messages are not accepted");
                    _messageLeft = BinaryPrimitives.ReadUInt32BigEndian(_small.AsSpan(1));
                    _smallFilled = 0;
                    _part = _messageLeft == 0 ? Part.Prefix : Part.FieldHead; // an empty WeightChunk carries nothing
                    break;
                }
                case Part.FieldHead:
                {
                    // Enough of the message to see its first field: `bytes data = 2` spanning the whole message streams into
                    // the sink; anything else (the header chunk, unusual encodings) is buffered whole and parsed.
                    int want = (int)Math.Min(_small.Length, _messageLeft);
                    int take = (int)Math.Min(want - _smallFilled, data.Length);
                    data.Slice(0, take).CopyTo(_small.AsSpan(_smallFilled));
                    data = data.Slice(take);
                    if ((_smallFilled += take) < want) break;
                    int headLength = DataFieldHead(_small.AsSpan(0, _smallFilled), _messageLeft, out long dataLength);
                    if (headLength > 0 && _sink is not null)
                    {
                        _payloadLeft = dataLength;
                        _messageLeft = 0;
                        _part = Part.Payload;
                        var rest = _small.AsSpan(headLength, _smallFilled - headLength);
                        _payloadLeft -= rest.Length;
                        _sink.Append(rest);
                    }
                    else
                    {
                        if (_messageLeft > MaxHeaderMessageBytes)
                            throw new WeightTransferException(StatusCode.InvalidArgument, $"weight push: a {_messageLeft}-byte message that is not a payload chunk");
                        _buffered = new MemoryStream((int)_messageLeft);
                        _buffered.Write(_small, 0, _smallFilled);
                        _messageLeft -= _smallFilled;
                        _part = Part.Buffered;
                    }
                    if (_messageLeft == 0 && _part == Part.Buffered) OnBufferedMessage();
                    else if (_part == Part.Payload && _payloadLeft == 0) _part = Part.Prefix;
                    _smallFilled = 0;
                    break;
                }
                case Part.Payload:
                {
                    long take = Math.Min(_payloadLeft, data.Length);
                    _sink!.Append(data.Slice(0, take)); // the one copy: transport block → snapshot array
                    data = data.Slice(take);
                    if ((_payloadLeft -= take) == 0) _part = Part.Prefix;
                    break;
                }
                case Part.Buffered:
                {
                    long take = Math.Min(_messageLeft, data.Length);
                    foreach (var segment in data.Slice(0, take)) _buffered!.Write(segment.Span);
                    data = data.Slice(take);
                    if ((_messageLeft -= take) == 0) OnBufferedMessage();
                    break;
                }
            }
        }
    }

    /// <summary>Length of `tag(2, LEN) varint(n)` when it opens the message and n covers the rest of it; else 0.</summary>
    private static int DataFieldHead(ReadOnlySpan<byte> head, long messageLength, out long dataLength)
    {
        dataLength = 0;
        if (head.IsEmpty || head[0] != 0x12) return 0;
        ulong value = 0;
        for (int i = 1, shift = 0; i < head.Length && shift < 35; i++, shift += 7)
        {
            value |= (ulong)(head[i] & 0x7F) << shift;
            if ((head[i] & 0x80) != 0) continue;
            if ((long)value != messageLength - (i + 1)) return 0;
            dataLength = (long)value;
            return i + 1;
        }
        return 0;
    }

    private void OnBufferedMessage()
    {
        var bytes = _buffered!.GetBuffer().AsSpan(0, (int)_buffered.Length);
        _buffered = null;
        _part = Part.Prefix;
        WeightChunk chunk;
        try { chunk = WeightChunk.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new WeightTransferException(StatusCode.InvalidArgument, $"weight chunk is not a valid WeightChunk: {e.Message}"); }
        if (chunk.Header is not null)
        {
            if (_sink is not null)
                throw new WeightTransferException(StatusCode.InvalidArgument, $"weight stream: a second header after {_sink.Received} bytes");
            var header = WeightStreamReceiver.ReadHeader(chunk.Header, _holder.Admit);
            _runId = chunk.Header.RunId;
            _sink = new WeightPayloadSink(header, _holder.ReceiveBuffers);
        }
        if (!chunk.Data.IsEmpty)
        {
            if (_sink is null) throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream: the first chunk carries no header");
            _sink.Append(chunk.Data.Span);
        }
    }

    /// <summary>End of the request: complete and verify the payload, stage it, answer.</summary>
    private async ValueTask<bool> FinishAsync(CancellationToken ct)
    {
        try
        {
            if (_part != Part.Prefix || _smallFilled != 0)
                throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream: ends inside a gRPC message");
            if (_sink is null) throw new WeightTransferException(StatusCode.InvalidArgument, "weight stream is empty: expected a header chunk");
            var received = new ReceivedWeights(_runId, _sink.Complete(), _sink.Received, _clock.Elapsed.TotalSeconds);
            _sink.Dispose(); // completed: the array now belongs to the snapshot
            _sink = null;
            _holder.Stage(received);
            WorkerMetrics.WeightsReceived(_identity.WorkerId, "push", received.BytesReceived, received.ReceiveSeconds);
            _log.LogInformation("worker {Worker}: staged weights v{Version} ({Bytes} bytes in {Seconds:F2} s, bulk path)",
                _identity.WorkerId, received.Snapshot.Version, received.BytesReceived, received.ReceiveSeconds);
            var reply = new PushReply
            {
                WorkerId = _identity.WorkerId,
                Version = received.Snapshot.Version,
                BytesReceived = received.BytesReceived,
                ReceiveSeconds = received.ReceiveSeconds,
            };
            await RespondAsync(StatusCode.OK, "", reply, ct);
        }
        catch (WeightTransferException e)
        {
            Refused(e, respond: true);
            await RespondAsync(e.Status, e.Message, null, ct);
        }
        return true;
    }

    private void Refused(WeightTransferException e, bool respond)
    {
        // Before the answer goes out: a refused payload's array is back in the pool by the time the learner hears of it.
        _sink?.Dispose();
        _sink = null;
        WorkerMetrics.WeightsRefused(_identity.WorkerId, "push", e.Status);
        _log.Log(respond ? LogLevel.Warning : LogLevel.Information, "worker {Worker}: refused weight push: {Reason} (keeps v{Version})",
            _identity.WorkerId, e.Message, _holder.Version);
    }

    // --- answering: HEADERS (+ DATA + trailers), or trailers-only for a refusal ---

    private async Task RespondAsync(StatusCode status, string detail, PushReply? reply, CancellationToken ct)
    {
        if (_streamId == 0) _streamId = 1; // refused before the request headers: answer on the stream the client opens first
        var frames = new MemoryStream();
        var block = new MemoryStream();
        HpackEncoder.WriteLiteral(block, ":status", "200");
        HpackEncoder.WriteLiteral(block, "content-type", "application/grpc");
        if (reply is null)
        {
            HpackEncoder.WriteLiteral(block, "grpc-status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (detail.Length > 0) HpackEncoder.WriteLiteral(block, "grpc-message", Uri.EscapeDataString(detail));
            Frame(frames, FrameType.Headers, EndHeaders | EndStream, block.ToArray());
        }
        else
        {
            Frame(frames, FrameType.Headers, EndHeaders, block.ToArray());
            var message = new byte[5 + reply.CalculateSize()];
            BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), message.Length - 5);
            reply.WriteTo(message.AsSpan(5));
            Frame(frames, FrameType.Data, 0, message);
            var trailers = new MemoryStream();
            HpackEncoder.WriteLiteral(trailers, "grpc-status", "0");
            Frame(frames, FrameType.Headers, EndHeaders | EndStream, trailers.ToArray());
        }
        await _output.WriteAsync(frames.ToArray(), ct);
    }

    private void Frame(MemoryStream to, FrameType type, byte flags, byte[] payload)
    {
        var header = new byte[9];
        WriteFrameHeader(header, payload.Length, type, flags, _streamId);
        to.Write(header);
        to.Write(payload);
    }

    private async Task OpenWindowAsync(CancellationToken ct)
    {
        int increment = (int)_unacknowledged;
        _unacknowledged = 0;
        var frames = new byte[2 * 13];
        WriteFrameHeader(frames, 4, FrameType.WindowUpdate, 0, 0);
        BinaryPrimitives.WriteInt32BigEndian(frames.AsSpan(9), increment);
        WriteFrameHeader(frames.AsSpan(13), 4, FrameType.WindowUpdate, 0, _streamId);
        BinaryPrimitives.WriteInt32BigEndian(frames.AsSpan(22), increment);
        await _output.WriteAsync(frames, ct);
    }

    // --- wire helpers ---

    private const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, PriorityFlag = 0x20;

    private static ReadOnlySequence<byte> Unpad(ReadOnlySequence<byte> payload, byte flags)
    {
        if ((flags & Padded) == 0) return payload;
        if (payload.IsEmpty) throw new InvalidDataException("weight push: a padded frame without its pad length");
        byte pad = payload.FirstSpan[0];
        if (pad >= payload.Length) throw new InvalidDataException("weight push: padding longer than the frame");
        return payload.Slice(1, payload.Length - 1 - pad);
    }

    /// <summary>gRPC's grpc-timeout: digits and a unit (H M S m u n).</summary>
    private static bool TryParseTimeout(string text, out TimeSpan span)
    {
        span = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), out long n) || n < 0) return false;
        double ms = text[^1] switch { 'H' => n * 3_600_000.0, 'M' => n * 60_000.0, 'S' => n * 1000.0, 'm' => n, 'u' => n / 1000.0, 'n' => n / 1e6, _ => -1 };
        if (ms < 0) return false;
        span = TimeSpan.FromMilliseconds(Math.Min(ms, int.MaxValue - 1));
        return true;
    }

    private static void WriteFrameHeader(Span<byte> to, int length, FrameType type, byte flags, int streamId) =>
        Http2Frames.WriteHeader(to, length, type, flags, streamId);
}
