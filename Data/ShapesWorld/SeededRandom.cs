namespace Vrm.Data.ShapesWorld;

/// <summary>
/// SplitMix64: a tiny PRNG whose output is fixed by its seed on every runtime and machine. We do not use
/// <see cref="Random"/> because its algorithm for a given seed is an implementation detail of .NET, and
/// "same seed → byte-identical dataset" is a promise of the generator.
/// </summary>
public sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A well-mixed seed for one example, from the run seed and the example's coordinates.</summary>
    public static ulong Derive(ulong seed, params ReadOnlySpan<ulong> parts)
    {
        ulong h = Mix(seed ^ 0x9E3779B97F4A7C15UL);
        foreach (var p in parts) h = Mix(h ^ Mix(p + 0x632BE59BD9B4E019UL));
        return h;
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, maxExclusive), without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), "must be positive");
        ulong n = (ulong)maxExclusive;
        ulong threshold = (0UL - n) % n;
        while (true)
        {
            ulong hi = Math.BigMul(NextUInt64(), n, out ulong lo);
            if (lo >= threshold) return (int)hi;
        }
    }

    /// <summary>Uniform in [min, maxInclusive].</summary>
    public int NextInclusive(int min, int maxInclusive)
    {
        if (maxInclusive < min) throw new ArgumentOutOfRangeException(nameof(maxInclusive), $"{maxInclusive} < {min}");
        return min + Next(maxInclusive - min + 1);
    }

    /// <summary>True with probability p.</summary>
    public bool Chance(double p) => (NextUInt64() >> 11) * (1.0 / (1UL << 53)) < p;

    public T Pick<T>(IReadOnlyList<T> items) =>
        items.Count == 0 ? throw new ArgumentException("cannot pick from an empty list") : items[Next(items.Count)];

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
