using System.Buffers;
using System.Security.Cryptography;
using Grpc.Core;
using Vrm.Policy;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// Assembles one snapshot's payload as it arrives: bytes land in their final array at the next offset and are hashed
/// right there (SHA-256, incremental), so verification costs no second pass over a GB-scale payload.
/// <see cref="Complete"/> refuses a short payload or a digest that is not the header's.
/// </summary>
public sealed class WeightPayloadSink : IDisposable
{
    private readonly WeightSnapshotHeader _header;
    private readonly byte[] _payload;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _received;

    public WeightPayloadSink(WeightSnapshotHeader header)
    {
        if (header.TotalBytes > Array.MaxLength)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream: total_bytes {header.TotalBytes} exceeds one array ({Array.MaxLength} bytes)");
        _header = header;
        _payload = GC.AllocateUninitializedArray<byte>((int)header.TotalBytes);
    }

    public long Received => _received;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        var target = Reserve(data.Length);
        data.CopyTo(target);
        _sha.AppendData(target);
    }

    public void Append(in ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty) return;
        var target = Reserve(checked((int)data.Length));
        data.CopyTo(target);
        _sha.AppendData(target);
    }

    private Span<byte> Reserve(int length)
    {
        if (_received + length > _header.TotalBytes)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream v{_header.Version}: carries more than the header's total_bytes {_header.TotalBytes} (at least {_received + length})");
        var target = _payload.AsSpan((int)_received, length);
        _received += length;
        return target;
    }

    /// <summary>The verified snapshot: all bytes arrived and their SHA-256 is the header's.</summary>
    public WeightSnapshot Complete()
    {
        if (_received != _header.TotalBytes)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weight stream v{_header.Version}: truncated: received {_received} of {_header.TotalBytes} bytes");
        string digest = Convert.ToHexStringLower(_sha.GetHashAndReset());
        if (!string.Equals(digest, _header.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new WeightTransferException(StatusCode.DataLoss,
                $"weight stream v{_header.Version}: SHA-256 mismatch: received payload {digest}, header says {_header.Sha256}");
        return WeightSnapshot.FromParts(_header, _payload);
    }

    public void Dispose() => _sha.Dispose();
}
