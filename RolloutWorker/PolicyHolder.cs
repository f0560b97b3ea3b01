using Grpc.Core;
using Vrm.Policy;
using Vrm.RolloutWorker.WeightSync;

namespace Vrm.RolloutWorker;

/// <summary>
/// The policy a rollout worker samples with: its model, run and version, plus at most one verified snapshot
/// staged for the next swap. Pushes and pulls stage from any thread; <see cref="SwapStaged"/> applies the staged
/// snapshot on the worker's torch thread between batches, never mid-batch. A refused or failed snapshot leaves
/// the current weights and version serving.
/// </summary>
public sealed class PolicyHolder
{
    public const long NoVersion = -1;

    private readonly object _gate = new();
    private readonly IReadOnlyList<WeightLayoutEntry>? _expectedLayout;
    private WeightSnapshot? _staged;
    private long _version;
    private long _epoch;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="model">Null for a weights-only holder (benchmarks): swaps then only advance the version.</param>
    /// <param name="version">The version <paramref name="model"/>'s weights are (e.g. 0 for the run's initial policy), or <see cref="NoVersion"/>.</param>
    /// <param name="expectedLayout">The model's tensors (names, dtypes, shapes); a snapshot that does not fit is refused at its header.</param>
    public PolicyHolder(string runId, VrmModel? model, long version, IReadOnlyList<WeightLayoutEntry>? expectedLayout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        RunId = runId;
        Model = model;
        _version = version;
        _expectedLayout = expectedLayout;
    }

    public string RunId { get; }
    /// <summary>
    /// Receive arrays for pushed and pulled payloads: a staged snapshot's array goes back here once it has been
    /// applied (its bytes are in the model's tensors then), dropped or replaced, so the next version reuses it.
    /// </summary>
    public WeightReceiveBuffers ReceiveBuffers { get; } = new();
    /// <summary>Touch only on the worker's torch thread.</summary>
    public VrmModel? Model { get; }
    public long Version { get { lock (_gate) return _version; } }
    /// <summary>The learner incarnation of the serving weights (0 until a snapshot from a learner is applied).</summary>
    public long Epoch { get { lock (_gate) return _epoch; } }
    public long StagedVersion { get { lock (_gate) return _staged?.Version ?? NoVersion; } }
    /// <summary>Snapshots applied so far (for tests and metrics).</summary>
    public long SwapCount { get; private set; }

    /// <summary>The layout a snapshot of <paramref name="model"/> has (same order and sizes as <see cref="WeightSnapshot.Capture"/>), without copying weights.</summary>
    public static IReadOnlyList<WeightLayoutEntry> LayoutOf(TorchSharp.torch.nn.Module model)
    {
        var layout = new List<WeightLayoutEntry>();
        long offset = 0;
        foreach (var (name, t) in model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            long length = t.numel() * TensorDType.SizeOf(t.dtype);
            layout.Add(new WeightLayoutEntry(name, TensorDType.NameOf(t.dtype), t.shape, offset, length));
            offset += length;
        }
        return layout;
    }

    /// <summary>Refuses a header for another run, a version not newer than the current or staged one, or a layout that does not fit the model.</summary>
    public void Admit(string runId, WeightSnapshotHeader header)
    {
        if (!string.Equals(runId, RunId, StringComparison.Ordinal))
            throw new WeightTransferException(StatusCode.FailedPrecondition, $"weights for run '{runId}', this worker serves run '{RunId}'");
        lock (_gate) CheckNewer(header.Epoch, header.Version);
        if (_expectedLayout is not null) CheckLayout(header);
    }

    // A newer learner epoch (a restarted learner) wins even with a lower version: the old incarnation's later
    // versions were lost with it. Within one epoch, versions only move forward.
    private void CheckNewer(long epoch, long version)
    {
        if (!WeightSnapshotHeader.IsNewer(epoch, version, _epoch, _version))
            throw new WeightTransferException(StatusCode.FailedPrecondition,
                epoch < _epoch ? $"weights from an older learner epoch {epoch} < current {_epoch}" : $"older version {version} ≤ current {_version}");
        if (_staged is not null && !WeightSnapshotHeader.IsNewer(epoch, version, _staged.Epoch, _staged.Version))
            throw new WeightTransferException(StatusCode.FailedPrecondition,
                epoch < _staged.Epoch ? $"weights from an older learner epoch {epoch} < staged {_staged.Epoch}" : $"older version {version} ≤ staged {_staged.Version}");
    }

    private void CheckLayout(WeightSnapshotHeader header)
    {
        var expected = _expectedLayout!;
        if (header.TotalBytes != expected.Sum(e => e.Length))
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weights v{header.Version}: total_bytes {header.TotalBytes}, this worker's model holds {expected.Sum(e => e.Length)}");
        if (header.Layout.Count != expected.Count)
            throw new WeightTransferException(StatusCode.InvalidArgument,
                $"weights v{header.Version}: {header.Layout.Count} tensors, this worker's model has {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
            if (!header.Layout[i].SameTensorAs(expected[i]))
                throw new WeightTransferException(StatusCode.InvalidArgument,
                    $"weights v{header.Version}: tensor {i} is '{header.Layout[i].Name}' {header.Layout[i].DType} [{string.Join(", ", header.Layout[i].Shape)}], " +
                    $"model has '{expected[i].Name}' {expected[i].DType} [{string.Join(", ", expected[i].Shape)}]");
    }

    /// <summary>Stages a received, digest-checked snapshot (replacing an older staged one). Rechecks the version: two pushes may race.</summary>
    public void Stage(ReceivedWeights received)
    {
        Admit(received.RunId, received.Snapshot.Header);
        TaskCompletionSource changed;
        WeightSnapshot? replaced;
        lock (_gate)
        {
            try { CheckNewer(received.Snapshot.Epoch, received.Snapshot.Version); }
            catch (WeightTransferException) { Recycle(received.Snapshot); throw; } // lost a race to a newer version
            replaced = _staged;
            _staged = received.Snapshot;
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (replaced is not null) Recycle(replaced);
        changed.TrySetResult();
    }

    // Only arrays the pool rented out are taken back (a snapshot staged from elsewhere keeps its array).
    private void Recycle(WeightSnapshot done)
    {
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(done.Payload, out var segment) && segment.Array is { } array)
            ReceiveBuffers.Return(array);
    }

    /// <summary>
    /// On the torch thread, between batches: applies the staged snapshot to the model, if any. Returns the version
    /// now serving. If applying fails the old weights keep serving (ApplyTo checks everything before writing).
    /// </summary>
    public long SwapStaged()
    {
        WeightSnapshot? staged;
        lock (_gate) { staged = _staged; _staged = null; }
        if (staged is null) return Version;
        try
        {
            Model?.eval();
            if (Model is not null) staged.ApplyTo(Model);
        }
        finally { Recycle(staged); } // applied (copied into the tensors) or refused: the array is free either way
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (WeightSnapshotHeader.IsNewer(staged.Epoch, staged.Version, _epoch, _version)) (_epoch, _version) = (staged.Epoch, staged.Version);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        SwapCount++;
        changed.TrySetResult();
        return Version;
    }

    /// <summary>Completes when the current or staged version reaches <paramref name="version"/> (tests, pull waits).</summary>
    public async Task WaitForAsync(long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_version >= version || (_staged?.Version ?? NoVersion) >= version) return;
                changed = _changed.Task;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }
}
