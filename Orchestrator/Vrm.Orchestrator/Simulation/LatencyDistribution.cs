namespace Vrm.Orchestrator.Simulation;

/// <summary>
/// How long a simulated worker takes to sample and score one assignment. Real rollout times are
/// right-skewed with a long tail (a few completions run to the token limit, a GPU is shared), so the
/// default shape is a lognormal body with a rarer, slower lognormal tail.
/// </summary>
public sealed record LatencyDistribution(TimeSpan Median, double Sigma, double TailProbability, TimeSpan TailMedian, double TailSigma)
{
    public static LatencyDistribution LogNormal(TimeSpan median, double sigma) => new(median, sigma, 0, TimeSpan.Zero, 0);

    public LatencyDistribution WithTail(double probability, TimeSpan median, double sigma) => this with { TailProbability = probability, TailMedian = median, TailSigma = sigma };

    public string? Validate()
    {
        if (Median < TimeSpan.Zero) return $"latency: median must be ≥ 0 (got {Median.TotalMilliseconds} ms)";
        if (!(Sigma >= 0)) return $"latency: sigma must be ≥ 0 (got {Sigma})";
        if (!(TailProbability is >= 0 and <= 1)) return $"latency: tail probability must be in [0, 1] (got {TailProbability})";
        if (TailProbability > 0 && (TailMedian < TimeSpan.Zero || !(TailSigma >= 0))) return "latency: tail median must be ≥ 0 and tail sigma ≥ 0";
        return null;
    }

    public TimeSpan Sample(Random rng)
    {
        var tail = TailProbability > 0 && rng.NextDouble() < TailProbability;
        var (median, sigma) = tail ? (TailMedian, TailSigma) : (Median, Sigma);
        // exp(μ + σ·z) with μ = ln(median): the median of a lognormal is e^μ.
        var ms = median.TotalMilliseconds * Math.Exp(sigma * StandardNormal(rng));
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Mean of the mixture in milliseconds: median·exp(σ²/2) per component.</summary>
    public double MeanMilliseconds =>
        (1 - TailProbability) * Median.TotalMilliseconds * Math.Exp(Sigma * Sigma / 2)
        + TailProbability * TailMedian.TotalMilliseconds * Math.Exp(TailSigma * TailSigma / 2);

    private static double StandardNormal(Random rng)
    {
        // Box–Muller; 1 − U keeps the log argument in (0, 1].
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public override string ToString() => TailProbability > 0
        ? $"lognormal(median {Median.TotalMilliseconds} ms, σ {Sigma}) + {TailProbability:P0} tail lognormal(median {TailMedian.TotalMilliseconds} ms, σ {TailSigma})"
        : $"lognormal(median {Median.TotalMilliseconds} ms, σ {Sigma})";
}
