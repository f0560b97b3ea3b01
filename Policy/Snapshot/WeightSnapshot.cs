using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// One policy version's weights as a single byte payload plus a <see cref="WeightSnapshotHeader"/> — the unit
/// the learner pushes to rollout workers (DESIGN §3 step 7). Covers the module's whole state dict (parameters
/// and persistent buffers), sorted by name, each tensor's raw little-endian bytes back to back.
/// Copies use <c>tensor.bytes</c> spans (one memcpy per tensor), never per-element loops.
/// </summary>
public sealed class WeightSnapshot
{
    private readonly byte[] _payload;
    // 1 while the payload is known to match the header's digest because its receiver hashed it as it arrived
    // (FromVerifiedParts): the next ApplyTo then skips its own SHA-256 pass (~0.5 s per GiB on this machine's cores).
    // One-shot: a worker recycles the array once the snapshot is applied, so any later ApplyTo checks again.
    private int _digestJustVerified;

    public WeightSnapshotHeader Header { get; }
    public long Version => Header.Version;
    public long Epoch => Header.Epoch;
    public IReadOnlyList<WeightLayoutEntry> Layout => Header.Layout;
    public string Sha256 => Header.Sha256;
    public ReadOnlyMemory<byte> Payload => _payload;

    private WeightSnapshot(WeightSnapshotHeader header, byte[] payload)
    {
        Header = header;
        _payload = payload;
    }

    /// <summary>Copies the module's current weights. Torch work: call on the thread that owns the model.</summary>
    public static WeightSnapshot Capture(nn.Module model, long version, long epoch = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        var state = model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var layout = new List<WeightLayoutEntry>(state.Count);
        long offset = 0;
        foreach (var (name, t) in state)
        {
            long length = t.numel() * TensorDType.SizeOf(t.dtype);
            layout.Add(new WeightLayoutEntry(name, TensorDType.NameOf(t.dtype), t.shape, offset, length));
            offset += length;
        }
        if (offset > Array.MaxLength) throw new NotSupportedException($"a {offset}-byte snapshot exceeds one .NET array");

        var payload = GC.AllocateUninitializedArray<byte>((int)offset);
        for (int i = 0; i < state.Count; i++)
        {
            var cpu = state[i].Value.detach().cpu().contiguous(); // no copy for CPU contiguous weights
            cpu.bytes.CopyTo(payload.AsSpan((int)layout[i].Offset, (int)layout[i].Length));
        }
        var header = new WeightSnapshotHeader(version, layout, offset, Convert.ToHexStringLower(SHA256.HashData(payload)), epoch);
        return new WeightSnapshot(header, payload);
    }

    /// <summary>
    /// Reassembles a received snapshot. Checks the header's layout and the payload's size; the digest is checked
    /// by <see cref="Verify"/> (and again by <see cref="ApplyTo"/>; see <see cref="FromVerifiedParts"/> for a receiver that hashed it already). The payload array is kept, not copied.
    /// </summary>
    public static WeightSnapshot FromParts(WeightSnapshotHeader header, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(payload);
        header.Validate();
        if (payload.LongLength != header.TotalBytes)
            throw new InvalidDataException($"weight snapshot v{header.Version}: payload has {payload.LongLength} bytes, header says {header.TotalBytes}");
        return new WeightSnapshot(header, payload);
    }

    /// <summary>
    /// Reassembles a received snapshot whose payload its receiver has just hashed (e.g. incrementally as it arrived):
    /// <paramref name="payloadSha256"/> is that digest of <paramref name="payload"/>. Checks it against the header's
    /// (throws on a mismatch, like <see cref="Verify"/>) and lets the next <see cref="ApplyTo"/> skip hashing the payload
    /// a second time. Pass only a digest computed over exactly these bytes; every other caller uses <see cref="FromParts"/>.
    /// </summary>
    public static WeightSnapshot FromVerifiedParts(WeightSnapshotHeader header, byte[] payload, ReadOnlySpan<byte> payloadSha256)
    {
        var snapshot = FromParts(header, payload);
        if (payloadSha256.Length != SHA256.HashSizeInBytes)
            throw new ArgumentException($"a SHA-256 digest has {SHA256.HashSizeInBytes} bytes, not {payloadSha256.Length}", nameof(payloadSha256));
        var actual = Convert.ToHexStringLower(payloadSha256);
        if (!string.Equals(actual, header.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"weight snapshot v{header.Version}: SHA-256 mismatch: payload {actual}, header {header.Sha256}");
        snapshot._digestJustVerified = 1;
        return snapshot;
    }

    /// <summary>Whether the next <see cref="ApplyTo"/> will skip its SHA-256 pass (the payload came through <see cref="FromVerifiedParts"/>).</summary>
    public bool DigestJustVerified => Volatile.Read(ref _digestJustVerified) == 1;

    /// <summary>Throws if the payload's size or SHA-256 does not match the header (a corrupted or truncated transfer).</summary>
    public void Verify()
    {
        if (_payload.LongLength != Header.TotalBytes)
            throw new InvalidDataException($"weight snapshot v{Version}: payload has {_payload.LongLength} bytes, header says {Header.TotalBytes}");
        var actual = Convert.ToHexStringLower(SHA256.HashData(_payload));
        if (!string.Equals(actual, Header.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"weight snapshot v{Version}: SHA-256 mismatch: payload {actual}, header {Header.Sha256}");
    }

    /// <summary>
    /// Writes the weights into <paramref name="module"/>. First verifies the digest and that the module has exactly
    /// the snapshot's tensors (names, dtypes, shapes); on any mismatch it throws and the module is unchanged.
    /// The digest pass is skipped once for a snapshot from <see cref="FromVerifiedParts"/> (its receiver just hashed it).
    /// </summary>
    public void ApplyTo(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (Interlocked.Exchange(ref _digestJustVerified, 0) == 0) Verify();
        using var scope = torch.NewDisposeScope();
        var state = module.state_dict();
        var problems = new List<string>();
        foreach (var e in Layout)
        {
            if (!state.TryGetValue(e.Name, out var t)) { problems.Add($"module has no tensor '{e.Name}'"); continue; }
            var mine = new WeightLayoutEntry(e.Name, TensorDType.NameOf(t.dtype), t.shape, e.Offset, e.Length);
            if (!mine.SameTensorAs(e))
                problems.Add($"'{e.Name}': snapshot {e.DType} [{string.Join(", ", e.Shape)}], module {mine.DType} [{string.Join(", ", mine.Shape)}]");
        }
        var known = Layout.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(state.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).Select(k => $"snapshot lacks module tensor '{k}'"));
        if (problems.Count > 0)
            throw new InvalidDataException($"weight snapshot v{Version} does not fit the module: {string.Join("; ", problems.Take(20))}");

        using var noGrad = torch.no_grad();
        foreach (var e in Layout)
        {
            var t = state[e.Name];
            var bytes = new Span<byte>(_payload, (int)e.Offset, (int)e.Length); // the setter takes Span; it only reads
            if (t.device_type == DeviceType.CPU && t.is_contiguous()) t.bytes = bytes;
            else
            {
                var staging = torch.empty(t.shape, t.dtype);
                staging.bytes = bytes;
                t.copy_(staging);
            }
        }
    }
}
