using System.Buffers;
using System.Security.Cryptography;
using Grpc.Core;
using Vrm.Policy;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// Assembles one snapshot's payload as it arrives: bytes land in their final array at the next offset, and a
/// dedicated hashing thread runs SHA-256 over them in order right behind the receive, so verification costs no
/// serial pass: the receiving thread only copies. (SHA-256 inline on the receiving thread was ~22 % of a 1 GiB
/// loopback push's CPU profile, all on the receive's critical path; on its own thread it runs on the other core.)
/// <see cref="Complete"/> waits for the hash to catch up, then refuses a short payload or a digest that is not the
/// header's. The array comes from a <see cref="WeightReceiveBuffers"/> when given one, and goes back to it if the
/// payload is refused.
/// </summary>
public sealed class WeightPayloadSink : IDisposable
{
    /// <summary>Largest piece hashed per call: small enough that the bytes are still in cache behind the receive.</summary>
    private const int HashStepBytes = 1 << 20;

    private readonly WeightSnapshotHeader _header;
    private readonly byte[] _payload;
    private readonly WeightReceiveBuffers? _buffers;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly ManualResetEventSlim _moreToHash = new(false);
    private readonly Thread _hasher;
    private long _received;   // written by the receiving side only
    private long _published;  // bytes [0, _published) are in _payload and may be hashed (Volatile)
    private long _hashed;     // written by the hashing thread only
    private volatile bool _closing, _abandon;
    private bool _completed, _disposed;

    /// <param name="buffers">Where the payload array is rented (and returned on refusal); null: a fresh array.</param>
    public WeightPayloadSink(WeightSnapshotHeader header, WeightReceiveBuffers? buffers = null)
    {
        if (header.TotalBytes > Array.MaxLength)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream: total_bytes {header.TotalBytes} exceeds one array ({Array.MaxLength} bytes)");
        _header = header;
        _buffers = buffers;
        _payload = buffers?.Rent((int)header.TotalBytes) ?? GC.AllocateUninitializedArray<byte>((int)header.TotalBytes);
        _hasher = new Thread(HashLoop) { IsBackground = true, Name = $"weights-sha256-v{header.Version}" };
        _hasher.Start();
    }

    public long Received => _received;

    /// <summary>
    /// Seconds, process-wide, that <see cref="Complete"/> waited for the hashing thread after the last byte arrived
    /// (bench, diagnostics): the tail where the hash runs alone, behind a receive that outpaced it.
    /// </summary>
    public static double HashCatchUpSecondsTotal => Interlocked.Read(ref _hashCatchUpTicks) / (double)System.Diagnostics.Stopwatch.Frequency;
    private static long _hashCatchUpTicks;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        data.CopyTo(Reserve(data.Length));
        Publish();
    }

    public void Append(in ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty) return;
        data.CopyTo(Reserve(checked((int)data.Length)));
        Publish();
    }

    private Span<byte> Reserve(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException($"weight stream v{_header.Version}: payload already completed");
        if (_received + length > _header.TotalBytes)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream v{_header.Version}: carries more than the header's total_bytes {_header.TotalBytes} (at least {_received + length})");
        var target = _payload.AsSpan((int)_received, length);
        _received += length;
        return target;
    }

    // The copy into _payload happens before this write (release), the hasher reads _published (acquire) before the bytes.
    private void Publish()
    {
        Volatile.Write(ref _published, _received);
        _moreToHash.Set();
    }

    private void HashLoop()
    {
        while (!_abandon)
        {
            _moreToHash.Reset();
            long upTo = Volatile.Read(ref _published);
            if (upTo > _hashed)
            {
                int n = (int)Math.Min(upTo - _hashed, HashStepBytes);
                _sha.AppendData(_payload, (int)_hashed, n);
                _hashed += n;
                continue;
            }
            // Caught up. Closing is set after the last Publish, so once it is seen one more look at _published is final.
            if (_closing && Volatile.Read(ref _published) == _hashed) return;
            _moreToHash.Wait();
        }
    }

    private void StopHasher(bool abandon)
    {
        if (abandon) _abandon = true;
        _closing = true;
        _moreToHash.Set();
        _hasher.Join();
    }

    /// <summary>The verified snapshot: all bytes arrived and their SHA-256 is the header's.</summary>
    public WeightSnapshot Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_received != _header.TotalBytes)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream v{_header.Version}: truncated: received {_received} of {_header.TotalBytes} bytes");
        long waitStart = System.Diagnostics.Stopwatch.GetTimestamp();
        StopHasher(abandon: false);
        Interlocked.Add(ref _hashCatchUpTicks, System.Diagnostics.Stopwatch.GetTimestamp() - waitStart);
        var digest = _sha.GetHashAndReset();
        string hex = Convert.ToHexStringLower(digest);
        if (!string.Equals(hex, _header.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new WeightTransferException(StatusCode.DataLoss,
                $"weight stream v{_header.Version}: SHA-256 mismatch: received payload {hex}, header says {_header.Sha256}");
        // Verified here as it arrived: the worker's swap (ApplyTo) need not hash the payload a second time.
        var snapshot = WeightSnapshot.FromVerifiedParts(_header, _payload, digest);
        _completed = true; // the array now belongs to the snapshot
        return snapshot;
    }

    /// <summary>Stops the hashing thread; a payload that was not completed (refused, cut off) returns its array to the pool.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        StopHasher(abandon: true);
        _disposed = true;
        if (!_completed) _buffers?.Return(_payload);
        _moreToHash.Dispose();
        _sha.Dispose();
    }
}
