namespace Vrm.Learner.Grpo;

/// <summary>
/// Group-relative advantages: each completion's reward measured against the other completions of the
/// same prompt. Computed on the host in double precision: B·G numbers, not worth a tensor round-trip.
/// </summary>
public static class GroupAdvantages
{
    /// <summary>Std stabiliser, as in DeepSeekMath / verl.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>
    /// <paramref name="rewards"/> is prompt-major: group g occupies [g·G, (g+1)·G).
    /// Std is the unbiased sample std (torch.std's default, which verl and TRL use).
    /// </summary>
    public static double[] Compute(ReadOnlySpan<double> rewards, int groupSize, AdvantageMode mode)
    {
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize), "must be >= 1");
        if (rewards.Length % groupSize != 0)
            throw new ArgumentException($"rewards length {rewards.Length} is not a multiple of group size {groupSize}");
        int groups = rewards.Length / groupSize;
        var adv = new double[rewards.Length];
        double batchStd = mode == AdvantageMode.Batch ? SampleStd(rewards) : 0;
        for (int g = 0; g < groups; g++)
        {
            var group = rewards.Slice(g * groupSize, groupSize);
            double mean = Mean(group);
            double scale = mode switch
            {
                AdvantageMode.Group => SampleStd(group) + Epsilon,
                AdvantageMode.Batch => batchStd + Epsilon,
                _ => 1.0,
            };
            for (int i = 0; i < groupSize; i++)
                adv[g * groupSize + i] = (group[i] - mean) / scale;
        }
        return adv;
    }

    /// <summary>True for every group whose rewards are all equal: such a group carries no learning signal.</summary>
    public static bool[] ZeroVarianceGroups(ReadOnlySpan<double> rewards, int groupSize)
    {
        int groups = rewards.Length / groupSize;
        var zero = new bool[groups];
        for (int g = 0; g < groups; g++)
        {
            var group = rewards.Slice(g * groupSize, groupSize);
            bool allEqual = true;
            for (int i = 1; i < group.Length && allEqual; i++) allEqual = group[i] == group[0];
            zero[g] = allEqual;
        }
        return zero;
    }

    public static double Mean(ReadOnlySpan<double> xs)
    {
        double s = 0;
        foreach (var x in xs) s += x;
        return xs.Length == 0 ? 0 : s / xs.Length;
    }

    public static double SampleStd(ReadOnlySpan<double> xs)
    {
        if (xs.Length < 2) return 0;
        double mean = Mean(xs), ss = 0;
        foreach (var x in xs) ss += (x - mean) * (x - mean);
        return Math.Sqrt(ss / (xs.Length - 1));
    }
}
