using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// Rotary position embedding (RoPE, rotate-half convention) applied to a fused [q | k | v] projection
/// in 4 ops: <c>qkv·cos + (qkv @ R)·sin</c>, where R is the fixed rotate-half matrix and the v slot has
/// cos = 1, sin = 0 — so one multiply-add covers q and k and passes v through, instead of the
/// chunk/neg/cat sequence per tensor (decode at batch 64 is bound by the number of ops, FINDINGS).
/// </summary>
/// <remarks>
/// Every row of a batch uses position = index in the (left-padded) sequence. Attention scores under
/// RoPE depend only on q_pos − k_pos, and padding keys are masked, so shifting a row's positions by its
/// padding changes nothing mathematically; it lets the whole batch share one table slice.
/// </remarks>
public sealed class Rotary : nn.Module
{
    private Tensor cos_table;    // [MaxSeqLen, 3, 1, hd]
    private Tensor sin_table;    // [MaxSeqLen, 3, 1, hd]
    private Tensor rotate_half; // [hd, hd]: x @ R = cat(-x[hd/2:], x[:hd/2])
    // Host copies of the q/k tables [MaxSeqLen, hd] for DecodeAttentionKernel, which rotates on the CPU in C#.
    private readonly float[] _hostCos;
    private readonly float[] _hostSin;
    private readonly int _headDim;

    public Rotary(int headDim, int maxSeqLen, double theta) : base(nameof(Rotary))
    {
        int half = headDim / 2;
        _headDim = headDim;
        _hostCos = new float[maxSeqLen * headDim];
        _hostSin = new float[maxSeqLen * headDim];
        var cos = new float[maxSeqLen * 3 * headDim];
        var sin = new float[maxSeqLen * 3 * headDim];
        for (int p = 0; p < maxSeqLen; p++)
            for (int slot = 0; slot < 3; slot++)
                for (int j = 0; j < headDim; j++)
                {
                    int at = (p * 3 + slot) * headDim + j;
                    if (slot == 2) { cos[at] = 1f; sin[at] = 0f; continue; } // v: identity
                    double freq = 1.0 / Math.Pow(theta, 2.0 * (j % half) / headDim);
                    double angle = p * freq;
                    cos[at] = (float)Math.Cos(angle);
                    sin[at] = (float)Math.Sin(angle);
                    if (slot == 0) { _hostCos[p * headDim + j] = cos[at]; _hostSin[p * headDim + j] = sin[at]; }
                }
        var rot = new float[headDim * headDim];
        for (int j = 0; j < half; j++)
        {
            rot[(j + half) * headDim + j] = -1f; // out[j] = -x[j + half]
            rot[j * headDim + j + half] = 1f;    // out[j + half] = x[j]
        }
        cos_table = tensor(cos, [maxSeqLen, 3, 1, headDim]);
        sin_table = tensor(sin, [maxSeqLen, 3, 1, headDim]);
        rotate_half = tensor(rot, [headDim, headDim]);
        // Non-persistent buffers named like their fields: they follow .to(device) but are not weights.
        register_buffer("cos_table", cos_table, persistent: false);
        register_buffer("sin_table", sin_table, persistent: false);
        register_buffer("rotate_half", rotate_half, persistent: false);
    }

    /// <summary>cos of the q/k rotation at <paramref name="position"/>, [hd] (the same values as the tensor table).</summary>
    public ReadOnlySpan<float> HostCos(long position) => _hostCos.AsSpan(checked((int)position * _headDim), _headDim);

    /// <summary>sin of the q/k rotation at <paramref name="position"/>, [hd].</summary>
    public ReadOnlySpan<float> HostSin(long position) => _hostSin.AsSpan(checked((int)position * _headDim), _headDim);

    /// <summary>Rotates q and k of a fused projection <paramref name="qkv"/> [B, T, 3, H, hd] at positions start..start+T-1.</summary>
    public Tensor Apply(Tensor qkv, long start)
    {
        long t = qkv.shape[1];
        using var cos = cos_table.narrow(0, start, t); // [T, 3, 1, hd]
        using var sin = sin_table.narrow(0, start, t);
        var rotated = qkv.matmul(rotate_half);        // [B, T, 3, H, hd]; returned (in-place ops return the same object)
        using var a = qkv.mul(cos);
        return rotated.mul_(sin).add_(a, Scalars.One);
    }
}
