using System.Runtime.Intrinsics;

namespace Vrm.Policy;

/// <summary>
/// The SwiGLU activation of a decode step in one C# pass: act = silu(gate) · up, from the fused [gate | up]
/// projection rows, silu(g) = g / (1 + e^−g).
/// </summary>
/// <remarks>
/// Why: the torch version is chunk + silu + mul (3 calls, ~57 µs measured at 64 × 384 under load) per layer per
/// step; here it is one pass with the vector exp of <see cref="DecodeAttentionKernel"/> (relative error ~1e-7).
/// </remarks>
public static unsafe class SwiGluKernel
{
    /// <param name="gateUp">[rows, 2·hidden]: gate in columns 0..hidden-1, up in hidden..2·hidden-1.</param>
    /// <param name="act">[rows, hidden] output.</param>
    public static void Apply(float* gateUp, int rows, int hidden, float* act)
    {
        for (int r = 0; r < rows; r++)
        {
            float* gate = gateUp + (long)r * 2 * hidden, up = gate + hidden, o = act + (long)r * hidden;
            int c = 0;
            for (; c + 8 <= hidden; c += 8)
            {
                var g = Vector256.Load(gate + c);
                // e^−|g| never overflows; silu(g) = g·σ(g) with σ(g) = 1/(1+e^−g) for g ≥ 0 and e^g/(1+e^g) for g < 0.
                var e = DecodeAttentionKernel.Exp(-Vector256.Abs(g));
                var sigmoidPos = Vector256<float>.One / (Vector256<float>.One + e);
                var sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(g, Vector256<float>.Zero), sigmoidPos, e * sigmoidPos);
                Vector256.Store(g * sigmoid * Vector256.Load(up + c), o + c);
            }
            for (; c < hidden; c++)
            {
                float g = gate[c];
                o[c] = g / (1f + MathF.Exp(-g)) * up[c];
            }
        }
    }
}
