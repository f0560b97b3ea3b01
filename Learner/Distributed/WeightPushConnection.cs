using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Vrm.Protos;
using Vrm.Protos.Weights;
using FrameType = Vrm.Protos.Http2FrameType;

namespace Vrm.Learner.Distributed;

/// <summary>
/// One WeightSync.Push call — gRPC over cleartext HTTP/2 (prior knowledge), the same bytes on the wire as
/// Grpc.Net.Client sends — on a dedicated TCP connection, written for GB-scale payloads.
/// Why not Grpc.Net.Client for the bulk push: SocketsHttpHandler sends DATA frames of at most 16 KiB whatever the
/// peer's SETTINGS_MAX_FRAME_SIZE (dotnet/runtime Http2Connection.SendStreamDataAsync uses
/// FrameHeader.MaxPayloadLength), copies every frame into its write buffer and flushes it every 32 KiB: ~65 k frames
/// and ~32 k send() calls per GiB on the learner, the same number of frames parsed and copied by Kestrel on the worker.
/// Here each gRPC message goes out as DATA frames up to the worker's SETTINGS_MAX_FRAME_SIZE (WorkerGrpcHost raises
/// Kestrel's to 16 MiB), gathered straight from the snapshot's array: no user-space copy on the learner.
/// Scope, on purpose: exactly one client-streaming call per connection, HTTP/2 flow control honoured, HPACK with the
/// static and dynamic tables but no Huffman-coded strings (Kestrel's HPACK encoder never emits them; one that did
/// fails the call with a named error). Failures surface as <see cref="RpcException"/> with the worker's status, like
/// the generated client's.
/// </summary>
public sealed class WeightPushConnection : IAsyncDisposable
{
    private static readonly string PushPath = $"/{WeightSync.Descriptor.FullName}/Push";
    /// <summary>
    /// Private SETTINGS id announcing "one WeightSync.Push for the worker's bulk path" (the worker's
    /// Vrm.RolloutWorker.WeightSync.BulkPushConnection.SettingId: the two projects do not reference each other; a test checks they agree).
    /// A worker with the bulk path parses this push's DATA frames off its transport pipe and copies the payload once;
    /// any other gRPC server ignores the setting and serves the same call.
    /// </summary>
    public const ushort BulkPushSettingId = 0xF0B1;
    private const int StreamId = 1; // the only stream this connection opens
    private const int DefaultWindow = 65_535, DefaultMaxFrame = 16_384;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly object _gate = new();
    private readonly TaskCompletionSource _settingsReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _streamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _windowSignal;
    private long _connectionWindow = DefaultWindow, _streamWindow = DefaultWindow;
    private int _peerInitialWindow = DefaultWindow, _peerMaxFrame = DefaultMaxFrame;
    private bool _ended;
    private readonly Dictionary<string, string> _responseHeaders = new(StringComparer.Ordinal);
    private readonly MemoryStream _responseBody = new();
    private readonly HpackDecoder _hpack = new();

    private WeightPushConnection(Socket socket) => _socket = socket;

    /// <summary>
    /// Pushes one snapshot: the header message, then one gRPC message per payload chunk, then end of stream; returns the
    /// worker's reply. <paramref name="maxFrameBytes"/> caps a DATA frame below the worker's advertised maximum.
    /// </summary>
    public static async Task<PushReply> PushAsync(Uri endpoint, WeightHeader header, IEnumerable<ReadOnlyMemory<byte>> payloadChunks,
        int maxFrameBytes, DateTime deadline, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameBytes, DefaultMaxFrame);
        var timeLeft = deadline - DateTime.UtcNow;
        if (timeLeft <= TimeSpan.Zero) throw new RpcException(new Status(StatusCode.DeadlineExceeded, "weight push: deadline passed before the call"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeLeft);
        var ct = cts.Token;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await using var connection = new WeightPushConnection(socket);
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, ct);
            var reading = connection.ReadLoopAsync(ct);
            await connection.SendPrefaceAsync(ct);
            await Task.WhenAny(connection._settingsReceived.Task, connection._streamEnded.Task).WaitAsync(ct);
            await connection.SendHeadersAsync(endpoint, timeLeft, ct);
            int frameCap = Math.Min(maxFrameBytes, connection._peerMaxFrame);

            var headerMessage = new WeightChunk { Header = header };
            var first = new byte[5 + headerMessage.CalculateSize()];
            WriteMessagePrefix(first, headerMessage.CalculateSize());
            headerMessage.WriteTo(first.AsSpan(5));
            bool open = await connection.SendMessageAsync(first, ReadOnlyMemory<byte>.Empty, frameCap, ct);
            foreach (var chunk in payloadChunks)
            {
                if (!open || chunk.IsEmpty) { if (!open) break; continue; }
                // The gRPC prefix and WeightChunk's field header for `bytes data = 2`: the payload follows them as is.
                int varint = CodedOutputStream.ComputeLengthSize(chunk.Length);
                var prefix = new byte[5 + 1 + varint];
                WriteMessagePrefix(prefix, 1 + varint + chunk.Length);
                prefix[5] = 0x12; // field 2, wire type 2 (length-delimited)
                WriteVarint(prefix.AsSpan(6), (uint)chunk.Length);
                open = await connection.SendMessageAsync(prefix, chunk, frameCap, ct);
            }
            if (open) await connection.SendFrameAsync(FrameType.Data, Flags.EndStream, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, ct);
            await connection._streamEnded.Task.WaitAsync(ct);
            _ = reading;
            return connection.Reply();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"weight push to {endpoint}: deadline exceeded"));
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"weight push to {endpoint}: cancelled"));
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // The stream may have ended (the worker refused and closed) just before the socket failed: its status wins.
            if (connection._streamEnded.Task.IsCompletedSuccessfully) return connection.Reply();
            throw new RpcException(new Status(StatusCode.Unavailable, $"weight push to {endpoint}: {e.Message}"));
        }
    }

    // --- sending ---

    private async Task SendPrefaceAsync(CancellationToken ct)
    {
        var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;
        var buffer = new byte[preface.Length + 9 + 3 * 6];
        preface.CopyTo(buffer);
        int at = preface.Length;
        WriteFrameHeader(buffer.AsSpan(at), 3 * 6, FrameType.Settings, Flags.None, 0);
        at += 9;
        Http2Frames.WriteSetting(buffer.AsSpan(at), 2, 0); // SETTINGS_ENABLE_PUSH = 0
        Http2Frames.WriteSetting(buffer.AsSpan(at + 6), 5, DefaultMaxFrame); // SETTINGS_MAX_FRAME_SIZE: the reply is tiny
        // Asks the worker for its bulk path (ignored as an unknown setting by any other HTTP/2 server, RFC 9113 §6.5.2).
        Http2Frames.WriteSetting(buffer.AsSpan(at + 12), BulkPushSettingId, 1);
        await SendAsync([new ArraySegment<byte>(buffer)], ct);
    }

    private Task SendHeadersAsync(Uri endpoint, TimeSpan timeLeft, CancellationToken ct)
    {
        var block = new MemoryStream();
        void Literal(string name, string value) => HpackEncoder.WriteLiteral(block, name, value);
        Literal(":method", "POST");
        Literal(":scheme", "http");
        Literal(":path", PushPath);
        Literal(":authority", $"{endpoint.Host}:{endpoint.Port}");
        Literal("content-type", "application/grpc");
        Literal("te", "trailers");
        Literal("grpc-timeout", $"{Math.Clamp((long)Math.Ceiling(timeLeft.TotalMilliseconds), 1, 99_999_999)}m");
        if (block.Length > _peerMaxFrame) throw new InvalidOperationException($"weight push: request headers ({block.Length} bytes) exceed one frame");
        return SendFrameAsync(FrameType.Headers, Flags.EndHeaders, block.ToArray(), ReadOnlyMemory<byte>.Empty, ct);
    }

    /// <summary>Sends prefix ‖ body as DATA frames within flow control; false when the worker has already ended the stream.</summary>
    private async Task<bool> SendMessageAsync(ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> body, int frameCap, CancellationToken ct)
    {
        long remaining = prefix.Length + body.Length;
        while (remaining > 0)
        {
            int n = await ReserveWindowAsync((int)Math.Min(remaining, frameCap), ct);
            if (n == 0) return false;
            int fromPrefix = Math.Min(n, prefix.Length);
            await SendFrameAsync(FrameType.Data, Flags.None, prefix[..fromPrefix], body[..(n - fromPrefix)], ct);
            prefix = prefix[fromPrefix..];
            body = body[(n - fromPrefix)..];
            remaining -= n;
        }
        return true;
    }

    private async Task<int> ReserveWindowAsync(int want, CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_ended) return 0;
                long available = Math.Min(_connectionWindow, _streamWindow);
                if (available > 0)
                {
                    int n = (int)Math.Min(want, available);
                    _connectionWindow -= n;
                    _streamWindow -= n;
                    return n;
                }
                wait = (_windowSignal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
            await wait.WaitAsync(ct);
        }
    }

    private void SignalWindow()
    {
        TaskCompletionSource? signal;
        lock (_gate) { signal = _windowSignal; _windowSignal = null; }
        signal?.TrySetResult();
    }

    private Task SendFrameAsync(FrameType type, Flags flags, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, CancellationToken ct,
        int streamId = StreamId)
    {
        var header = new byte[9];
        WriteFrameHeader(header, first.Length + second.Length, type, flags, streamId);
        var segments = new List<ArraySegment<byte>>(3) { new(header) };
        foreach (var part in (ReadOnlySpan<ReadOnlyMemory<byte>>)[first, second])
            if (!part.IsEmpty) segments.Add(MemoryMarshal.TryGetArray(part, out var s) ? s : new ArraySegment<byte>(part.ToArray()));
        return SendAsync(segments, ct);
    }

    private async Task SendAsync(List<ArraySegment<byte>> segments, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            long left = segments.Sum(s => (long)s.Count);
            while (left > 0)
            {
                int sent = await _socket.SendAsync(segments, SocketFlags.None).WaitAsync(ct);
                left -= sent;
                if (left > 0) Skip(segments, sent); // a short send: resend what is left
            }
        }
        finally { _writeLock.Release(); }

        static void Skip(List<ArraySegment<byte>> segments, int count)
        {
            while (count > 0)
            {
                var s = segments[0];
                if (count >= s.Count) { segments.RemoveAt(0); count -= s.Count; }
                else { segments[0] = s[count..]; count = 0; }
            }
        }
    }

    // --- receiving ---

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        var buffer = new byte[64 << 10];
        int filled = 0;
        var headerBlock = new MemoryStream();
        bool headersEndStream = false;
        try
        {
            while (true)
            {
                int at = 0;
                while (filled - at >= 9)
                {
                    int length = (buffer[at] << 16) | (buffer[at + 1] << 8) | buffer[at + 2];
                    if (length > DefaultMaxFrame) throw new InvalidDataException($"worker sent a {length}-byte frame, above the {DefaultMaxFrame} this client allows");
                    if (filled - at < 9 + length) break;
                    var type = (FrameType)buffer[at + 3];
                    var flags = (Flags)buffer[at + 4];
                    int stream = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(at + 5)) & 0x7FFFFFFF;
                    var payload = buffer.AsSpan(at + 9, length);
                    at += 9 + length;
                    switch (type)
                    {
                        case FrameType.Settings when (flags & Flags.Ack) == 0:
                            ApplySettings(payload);
                            await SendFrameAsync(FrameType.Settings, Flags.Ack, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty, ct, streamId: 0);
                            _settingsReceived.TrySetResult();
                            break;
                        case FrameType.Ping when (flags & Flags.Ack) == 0:
                            await SendFrameAsync(FrameType.Ping, Flags.Ack, payload.ToArray(), ReadOnlyMemory<byte>.Empty, ct, streamId: 0);
                            break;
                        case FrameType.WindowUpdate:
                            long increment = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFFFFFF;
                            lock (_gate) { if (stream == 0) _connectionWindow += increment; else if (stream == StreamId) _streamWindow += increment; }
                            SignalWindow();
                            break;
                        case FrameType.Headers when stream == StreamId:
                        case FrameType.Continuation when stream == StreamId:
                            if (type == FrameType.Headers)
                            {
                                headerBlock.SetLength(0);
                                headersEndStream = (flags & Flags.EndStream) != 0;
                                payload = Unpad(payload, flags);
                                if ((flags & Flags.Priority) != 0) payload = payload[5..];
                            }
                            headerBlock.Write(payload);
                            if ((flags & Flags.EndHeaders) != 0)
                            {
                                _hpack.Decode(headerBlock.GetBuffer().AsSpan(0, (int)headerBlock.Length), _responseHeaders);
                                if (headersEndStream) EndStream(null);
                            }
                            break;
                        case FrameType.Data when stream == StreamId:
                            _responseBody.Write(Unpad(payload, flags));
                            if ((flags & Flags.EndStream) != 0) EndStream(null);
                            break;
                        case FrameType.RstStream when stream == StreamId:
                            EndStream(new RpcException(new Status(StatusCode.Unavailable,
                                $"the worker reset the push stream (HTTP/2 error {BinaryPrimitives.ReadUInt32BigEndian(payload)})")));
                            break;
                        case FrameType.GoAway:
                            EndStream(new RpcException(new Status(StatusCode.Unavailable,
                                $"the worker closed the connection (GOAWAY, HTTP/2 error {BinaryPrimitives.ReadUInt32BigEndian(payload[4..])}: " +
                                $"{Encoding.UTF8.GetString(payload[8..])})")));
                            break;
                    }
                }
                // Keep the partial frame at the front, then read more.
                buffer.AsSpan(at, filled - at).CopyTo(buffer);
                filled -= at;
                int read = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, ct);
                if (read == 0)
                {
                    EndStream(new RpcException(new Status(StatusCode.Unavailable, "the worker closed the connection before the push's reply")));
                    return;
                }
                filled += read;
            }
        }
        catch (Exception e)
        {
            EndStream(e is RpcException r ? r
                : e is OperationCanceledException ? new RpcException(new Status(StatusCode.Cancelled, "weight push: cancelled"))
                : new RpcException(new Status(StatusCode.Internal, $"weight push: reading the worker's answer failed: {e.Message}")));
        }
    }

    private static Span<byte> Unpad(Span<byte> payload, Flags flags) =>
        (flags & Flags.Padded) == 0 ? payload : payload[1..(payload.Length - payload[0])];

    private void ApplySettings(ReadOnlySpan<byte> payload)
    {
        for (int i = 0; i + 6 <= payload.Length; i += 6)
        {
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(payload[i..]);
            uint value = BinaryPrimitives.ReadUInt32BigEndian(payload[(i + 2)..]);
            if (id == 4) // SETTINGS_INITIAL_WINDOW_SIZE: shifts the open stream's window by the difference (RFC 9113 §6.9.2)
                lock (_gate) { _streamWindow += (long)value - _peerInitialWindow; _peerInitialWindow = (int)value; }
            else if (id == 5) _peerMaxFrame = (int)value; // SETTINGS_MAX_FRAME_SIZE
        }
        SignalWindow();
    }

    private void EndStream(RpcException? error)
    {
        lock (_gate) _ended = true;
        SignalWindow();
        if (error is null) _streamEnded.TrySetResult();
        else _streamEnded.TrySetException(error);
    }

    /// <summary>The call's outcome from the trailers: the reply on OK, else the worker's status as an RpcException.</summary>
    private PushReply Reply()
    {
        _streamEnded.Task.GetAwaiter().GetResult(); // rethrows a reset or a lost connection
        if (!_responseHeaders.TryGetValue(":status", out var http) || http != "200")
            throw new RpcException(new Status(StatusCode.Internal, $"weight push: the worker answered HTTP status {http ?? "(none)"}"));
        if (!_responseHeaders.TryGetValue("grpc-status", out var code) || !int.TryParse(code, out int status))
            throw new RpcException(new Status(StatusCode.Internal, "weight push: the worker's answer carries no grpc-status"));
        if (status != 0)
        {
            string detail = _responseHeaders.TryGetValue("grpc-message", out var m) ? Uri.UnescapeDataString(m) : "";
            throw new RpcException(new Status((StatusCode)status, detail));
        }
        var body = _responseBody.GetBuffer().AsSpan(0, (int)_responseBody.Length);
        if (body.Length < 5 || body[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(body[1..]) != body.Length - 5)
            throw new RpcException(new Status(StatusCode.Internal, $"weight push: the worker's reply is not one uncompressed gRPC message ({body.Length} bytes)"));
        return PushReply.Parser.ParseFrom(body[5..]);
    }

    public async ValueTask DisposeAsync()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } // already reset
        _socket.Dispose();
        await Task.Yield();
        _writeLock.Dispose();
    }

    // --- wire helpers ---

    [Flags]
    private enum Flags : byte { None = 0, EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20 }

    private static void WriteFrameHeader(Span<byte> to, int length, FrameType type, Flags flags, int streamId) =>
        Http2Frames.WriteHeader(to, length, type, (byte)flags, streamId);

    /// <summary>gRPC length-prefixed message: compressed flag 0, then the length big-endian.</summary>
    private static void WriteMessagePrefix(Span<byte> to, int messageLength)
    {
        to[0] = 0;
        BinaryPrimitives.WriteInt32BigEndian(to[1..], messageLength);
    }

    private static void WriteVarint(Span<byte> to, uint value)
    {
        int i = 0;
        while (value >= 0x80) { to[i++] = (byte)(value | 0x80); value >>= 7; }
        to[i] = (byte)value;
    }
}
