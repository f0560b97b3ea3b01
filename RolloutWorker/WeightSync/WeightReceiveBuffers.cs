namespace Vrm.RolloutWorker.WeightSync;

/// <summary>
/// The worker's receive arrays for snapshot payloads, kept between pushes. A fresh GB-scale array costs one page fault
/// (and a kernel zeroing) per 4 KiB page on its first write: profiled at ~9 % of a 1 GiB loopback push. Weights keep
/// their size from version to version, so the array of a snapshot that has been applied (its bytes are in the
/// model's tensors by then) or refused is handed to the next push of the same size instead.
/// Double buffering: at most <see cref="MaxSpares"/> arrays wait here — one being received while one is staged.
/// Only arrays this pool rented out are taken back: a snapshot that came from elsewhere (e.g. in-process, sharing the
/// learner's array) is never recycled. Thread-safe.
/// </summary>
public sealed class WeightReceiveBuffers
{
    public const int MaxSpares = 2;

    private readonly object _gate = new();
    private readonly List<byte[]> _spares = [];
    // Arrays rented out and not yet returned, by reference: Return ignores anything else. Weak: an array that is
    // dropped without being returned (a staged snapshot lost to a race, an exception) is still collected.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], object> _out = new();
    private static readonly object Rented = new();

    /// <summary>Arrays allocated so far (tests, diagnostics): stays at 1–2 across pushes of one size.</summary>
    public int Allocations { get; private set; }
    /// <summary>Rents served from a spare (tests, diagnostics).</summary>
    public int Reuses { get; private set; }
    public int SpareCount { get { lock (_gate) return _spares.Count; } }

    /// <summary>An array of exactly <paramref name="length"/> bytes (a snapshot's payload must match its header's size); contents undefined.</summary>
    public byte[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        lock (_gate)
        {
            int i = _spares.FindIndex(a => a.Length == length);
            if (i >= 0)
            {
                var spare = _spares[i];
                _spares.RemoveAt(i);
                _out.AddOrUpdate(spare, Rented);
                Reuses++;
                return spare;
            }
        }
        var fresh = GC.AllocateUninitializedArray<byte>(length); // outside the lock: a GB-scale allocation
        lock (_gate)
        {
            _out.AddOrUpdate(fresh, Rented);
            Allocations++;
        }
        return fresh;
    }

    /// <summary>
    /// Takes back an array this pool rented out, once nothing reads it any more. Returns false (and keeps nothing) for
    /// an array it does not own. Beyond <see cref="MaxSpares"/>, or when the size changed, older spares go to the GC.
    /// </summary>
    public bool Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_gate)
        {
            if (!_out.Remove(array)) return false;
            _spares.RemoveAll(a => a.Length != array.Length); // a new model size: the old arrays would never fit again
            _spares.Add(array);
            if (_spares.Count > MaxSpares) _spares.RemoveAt(0);
            return true;
        }
    }
}
