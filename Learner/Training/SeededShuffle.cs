namespace Vrm.Learner.Training;

/// <summary>
/// A resumable data cursor: epochs of a seeded permutation. The whole state is (seed, epoch, position),
/// so a checkpoint stores three numbers and a resumed run draws exactly the batches the original would.
/// </summary>
public sealed class SeededShuffle
{
    private readonly int _count;
    private readonly ulong _seed;
    private int[] _order;

    public int Epoch { get; private set; }
    public int Position { get; private set; }

    public SeededShuffle(int count, ulong seed, int epoch = 0, int position = 0)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), "must be > 0");
        _count = count;
        _seed = seed;
        Epoch = epoch;
        Position = Math.Clamp(position, 0, count);
        _order = Permutation(epoch);
    }

    public int[] Next(int n)
    {
        var batch = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (Position >= _count)
            {
                Epoch++;
                Position = 0;
                _order = Permutation(Epoch);
                // A batch that straddles two epochs must not repeat a row (a group is identified by its
                // prompt row): move rows already taken from this batch to the back of the new epoch.
                if (n <= _count)
                {
                    var taken = new HashSet<int>(batch.AsSpan(0, i).ToArray());
                    _order = _order.Where(r => !taken.Contains(r)).Concat(_order.Where(taken.Contains)).ToArray();
                }
            }
            batch[i] = _order[Position++];
        }
        return batch;
    }

    private int[] Permutation(int epoch)
    {
        // System.Random with an explicit seed is the stable xorshift-based algorithm only for the
        // parameterless ctor; seeded Random uses the legacy Net5CompatSeedImpl, which is fixed forever.
        var rng = new Random(unchecked((int)(_seed * 1_000_003UL + (ulong)epoch * 7919UL)));
        var order = Enumerable.Range(0, _count).ToArray();
        rng.Shuffle(order);
        return order;
    }
}
