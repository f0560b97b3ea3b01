using Grpc.Core;

namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// A weight transfer refused for a named reason, with the gRPC status it maps to: FAILED_PRECONDITION (wrong run,
/// version not newer), INVALID_ARGUMENT (bad header, wrong size, truncated), DATA_LOSS (SHA-256 mismatch).
/// The receiving worker keeps the version it has.
/// </summary>
public sealed class WeightTransferException(StatusCode status, string message) : Exception(message)
{
    public StatusCode Status { get; } = status;

    public RpcException ToRpcException() => new(new Status(Status, Message));
}
