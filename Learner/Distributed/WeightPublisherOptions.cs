namespace Vrm.Learner.Distributed;

/// <summary>How pushes are chunked and retried.</summary>
public sealed record WeightPublisherOptions
{
    public int ChunkBytes { get; init; } = WeightChunkWriter.DefaultChunkBytes;
    /// <summary>Attempts per worker (first try included).</summary>
    public int MaxAttempts { get; init; } = 3;
    /// <summary>Backoff before retry k is InitialBackoff · 2^(k−1).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Deadline of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Chaos testing (fault scenarios, tests): spoil the first attempts of every worker's push on the wire.</summary>
    public WeightPushFault? InjectFault { get; init; }
    /// <summary>How a push travels; both are the same gRPC WeightSync.Push call on the wire.</summary>
    public WeightPushTransport Transport { get; init; } = WeightPushTransport.LargeFrames;

    public WeightPublisherOptions Validate()
    {
        if (ChunkBytes is < 1 or > 16 << 20) throw new ArgumentOutOfRangeException(nameof(ChunkBytes), ChunkBytes, "weight push chunk must be 1 B..16 MiB");
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "weight push needs at least 1 attempt");
        if (InitialBackoff < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InitialBackoff), InitialBackoff, "backoff must be ≥ 0");
        if (AttemptTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "attempt timeout must be > 0");
        return this;
    }
}

public enum WeightPushTransport
{
    /// <summary><see cref="WeightPushConnection"/>: one connection per push, one DATA frame per chunk, sent from the snapshot's array.</summary>
    LargeFrames,
    /// <summary>Grpc.Net.Client (SocketsHttpHandler): 16 KiB DATA frames, each copied into the client's write buffer.</summary>
    GrpcClient,
}

public enum WeightPushFaultKind
{
    /// <summary>One payload byte flipped in transit: the worker's SHA-256 check refuses it (DATA_LOSS).</summary>
    Corrupt,
    /// <summary>The stream ends after half the payload: the worker refuses it as truncated (INVALID_ARGUMENT).</summary>
    Truncate,
}

/// <summary>Spoil the first <paramref name="Attempts"/> attempts of each worker's push.</summary>
public sealed record WeightPushFault(WeightPushFaultKind Kind, int Attempts = 1);
