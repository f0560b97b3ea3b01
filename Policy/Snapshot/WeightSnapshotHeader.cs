using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vrm.Policy;

/// <summary>Where one tensor sits in a snapshot payload.</summary>
public sealed record WeightLayoutEntry(string Name, string DType, long[] Shape, long Offset, long Length)
{
    public bool SameTensorAs(WeightLayoutEntry other) =>
        Name == other.Name && DType == other.DType && Shape.SequenceEqual(other.Shape);
}

/// <summary>
/// What travels ahead of a snapshot's payload (e.g. the first message of a WeightSync stream): the policy
/// version, the layout, the total size and the SHA-256 of the payload. Compact JSON, a few KB for our models.
/// <see cref="Epoch"/> names the learner incarnation that produced it (0: none, e.g. an initial checkpoint): a
/// learner restarted from a checkpoint re-issues version numbers its dead predecessor already pushed, and a
/// newer epoch must win over a higher version from the older one.
/// </summary>
public sealed record WeightSnapshotHeader(long Version, IReadOnlyList<WeightLayoutEntry> Layout, long TotalBytes, string Sha256, long Epoch = 0)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses and checks the layout is self-consistent (tensors tile [0, TotalBytes) in order, sizes match shapes).</summary>
    public static WeightSnapshotHeader FromBytes(ReadOnlySpan<byte> bytes)
    {
        WeightSnapshotHeader? h;
        try { h = JsonSerializer.Deserialize<WeightSnapshotHeader>(bytes, Json); }
        catch (JsonException e) { throw new InvalidDataException($"weight snapshot header: bad JSON: {e.Message}", e); }
        if (h is null || h.Layout is null || h.Sha256 is null) throw new InvalidDataException("weight snapshot header: empty or incomplete");
        h.Validate();
        return h;
    }

    /// <summary>Whether (epoch, version) comes after (<paramref name="epoch"/>, <paramref name="version"/>): a newer epoch, or the same epoch and a higher version.</summary>
    public static bool IsNewer(long epoch, long version, long thanEpoch, long thanVersion) =>
        epoch > thanEpoch || (epoch == thanEpoch && version > thanVersion);

    public void Validate()
    {
        if (Version < 0) throw new InvalidDataException($"weight snapshot header: negative version {Version}");
        if (Epoch < 0) throw new InvalidDataException($"weight snapshot header: negative epoch {Epoch}");
        if (Sha256.Length != 64 || !Sha256.All(Uri.IsHexDigit)) throw new InvalidDataException($"weight snapshot header: sha256 '{Sha256}' is not 64 hex digits");
        long offset = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Layout)
        {
            if (e?.Name is null || e.DType is null || e.Shape is null) throw new InvalidDataException("weight snapshot header: incomplete layout entry");
            if (!names.Add(e.Name)) throw new InvalidDataException($"weight snapshot header: tensor '{e.Name}' appears twice");
            if (!TensorDType.TryParse(e.DType, out _, out int size)) throw new InvalidDataException($"weight snapshot header: tensor '{e.Name}' has unknown dtype '{e.DType}'");
            if (e.Shape.Any(d => d < 0)) throw new InvalidDataException($"weight snapshot header: tensor '{e.Name}' has a negative dimension");
            long numel;
            try { numel = e.Shape.Aggregate(1L, (a, d) => checked(a * d)); }
            catch (OverflowException) { throw new InvalidDataException($"weight snapshot header: tensor '{e.Name}' shape overflows"); }
            if (e.Offset != offset) throw new InvalidDataException($"weight snapshot header: tensor '{e.Name}' at offset {e.Offset}, expected {offset}");
            if (e.Length != numel * size) throw new InvalidDataException($"weight snapshot header: tensor '{e.Name}' length {e.Length} does not hold {e.DType} [{string.Join(", ", e.Shape)}]");
            offset += e.Length;
        }
        if (offset != TotalBytes) throw new InvalidDataException($"weight snapshot header: layout covers {offset} bytes but total_bytes is {TotalBytes}");
    }
}
