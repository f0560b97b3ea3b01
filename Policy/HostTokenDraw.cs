using System.Runtime.Intrinsics;

namespace Vrm.Policy;

/// <summary>
/// The sampler's per-step draw on the host: from logits [B, V] in CPU memory, one token per row and its behaviour
/// log-prob — log-softmax(logits / T) of the drawn token, before top-p truncation (what <see cref="Scorer"/>
/// recomputes). T = 0 is greedy (first maximum; log-prob at T = 1). Top-p keeps a token when the probability mass of
/// the tokens ranked above it is ≤ TopP (as the torch path in <see cref="Sampler"/>); nothing is sorted.
/// </summary>
/// <remarks>
/// Why: on the CPU the torch path's draw is ~12 calls per step (log_softmax, exp, cumsum, rand, searchsorted, gather,
/// masks, copies) of 5–60 µs each; here it is one pass over 64 × 512 floats. Random numbers come from a SplitMix64
/// stream seeded by <see cref="SamplingParams.Seed"/>: the same seed gives the same samples (not the same as the
/// torch path's generator, which CUDA keeps using).
/// </remarks>
public sealed unsafe class HostTokenDraw
{
    private ulong _state;
    private readonly float[] _weights; // [V] exp(l − max) of one row

    public HostTokenDraw(ulong seed, int vocab)
    {
        if (vocab < 1) throw new ArgumentException($"vocabulary size ({vocab}) must be >= 1");
        _state = seed;
        _weights = new float[vocab];
    }

    /// <summary>Draws one token per row of <paramref name="logits"/> [rows, vocab] into <paramref name="tokens"/>, with its log-prob in <paramref name="logProbs"/>.</summary>
    public void Draw(float* logits, int rows, int vocab, float temperature, float topP, Span<int> tokens, Span<float> logProbs)
    {
        if (vocab != _weights.Length) throw new ArgumentException($"logits have {vocab} columns, the draw was made for {_weights.Length}");
        if (tokens.Length < rows || logProbs.Length < rows) throw new ArgumentException($"token/log-prob outputs hold {tokens.Length}/{logProbs.Length} rows, need {rows}");
        float invT = temperature == 0f ? 1f : 1f / temperature;
        fixed (float* w = _weights)
        {
            for (int r = 0; r < rows; r++)
            {
                float* l = logits + (long)r * vocab;
                // w = exp(l/T − max l/T); sum = Σ w; log p_j = (l_j/T − max) − log sum.
                float max = Max(l, vocab) * invT;
                double sum = Weights(l, vocab, invT, max, w);
                int tok;
                if (temperature == 0f) tok = ArgMax(l, vocab);
                else if (topP >= 1f) tok = Pick(w, vocab, sum);
                else tok = PickNucleus(w, vocab, sum, topP);
                tokens[r] = tok;
                logProbs[r] = (float)(l[tok] * invT - max - Math.Log(sum));
            }
        }
    }

    /// <summary>Uniform in [0, 1) from the next 53 bits of a SplitMix64 stream.</summary>
    private double NextUniform()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Inverse CDF over unnormalised weights: the first j with w_0 + … + w_j > u·sum; a zero weight is never drawn.</summary>
    private int Pick(float* w, int vocab, double sum)
    {
        double u = NextUniform() * sum, cdf = 0;
        int last = 0;
        for (int j = 0; j < vocab; j++)
        {
            if (w[j] <= 0f) continue;
            cdf += w[j];
            last = j;
            if (cdf > u) return j;
        }
        return last; // u·sum rounded up to the total: the last positive weight
    }

    /// <summary>
    /// Top-p without sorting: the kept set is the smallest top-ranked set whose mass exceeds topP·sum (a token stays while
    /// the mass ranked above it is ≤ topP·sum), i.e. all tokens with weight ≥ x*, x* the largest weight whose "at least
    /// x*" mass exceeds topP·sum. x* is found by bisection over float bit patterns (weights are in (0, 1], positive floats
    /// order like their bits), ~30 vector passes over the row; then one inverse-CDF draw among the kept tokens (their
    /// order does not change the distribution). Tokens tied at x* are all kept (a torch sort would keep an arbitrary subset).
    /// Measured: sorting 512 (weight, id) pairs per row cost ~40 µs a row, 2.6 ms a step at batch 64.
    /// </summary>
    private int PickNucleus(float* w, int vocab, double sum, float topP)
    {
        double limit = topP * sum;
        int lo = 0, hi = BitConverter.SingleToInt32Bits(1f) + 1; // MassAtLeast(lo) = sum > limit ≥ MassAtLeast(hi) = 0
        while (hi - lo > 1)
        {
            int mid = lo + (hi - lo) / 2;
            if (MassAtLeast(w, vocab, BitConverter.Int32BitsToSingle(mid)) > limit) lo = mid; else hi = mid;
        }
        float threshold = BitConverter.Int32BitsToSingle(lo);
        double u = NextUniform() * MassAtLeast(w, vocab, threshold), cdf = 0;
        int last = -1;
        for (int j = 0; j < vocab; j++)
        {
            if (w[j] < threshold) continue;
            cdf += w[j];
            last = j;
            if (cdf > u) return j;
        }
        return last;
    }

    /// <summary>Σ w_j over w_j ≥ x.</summary>
    private static double MassAtLeast(float* w, int n, float x)
    {
        int i = 0;
        var xv = Vector256.Create(x);
        var acc = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8)
        {
            var v = Vector256.Load(w + i);
            acc += Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, xv), v, Vector256<float>.Zero);
        }
        double mass = Vector256.Sum(acc);
        for (; i < n; i++) if (w[i] >= x) mass += w[i];
        return mass;
    }

    private static float Max(float* l, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (n >= 8)
        {
            var mv = Vector256.Create(float.NegativeInfinity);
            for (; i + 8 <= n; i += 8) mv = Vector256.Max(mv, Vector256.Load(l + i));
            for (int k = 0; k < 8; k++) max = MathF.Max(max, mv[k]);
        }
        for (; i < n; i++) max = MathF.Max(max, l[i]);
        return max;
    }

    private static int ArgMax(float* l, int n)
    {
        int best = 0;
        for (int j = 1; j < n; j++) if (l[j] > l[best]) best = j;
        return best;
    }

    /// <summary>w_j = exp(l_j·invT − max); returns Σ w (≥ 1, the max term).</summary>
    private static double Weights(float* l, int n, float invT, float max, float* w)
    {
        int i = 0;
        var invTV = Vector256.Create(invT);
        var maxV = Vector256.Create(max);
        var sumV = Vector256<float>.Zero;
        for (; i + 8 <= n; i += 8)
        {
            var e = DecodeAttentionKernel.Exp(Vector256.Load(l + i) * invTV - maxV);
            Vector256.Store(e, w + i);
            sumV += e;
        }
        double sum = Vector256.Sum(sumV);
        for (; i < n; i++) { float e = MathF.Exp(l[i] * invT - max); w[i] = e; sum += e; }
        return sum;
    }
}
