using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// Root-mean-square norm (Llama): x / sqrt(mean(x²) + eps) · w. No mean subtraction and no bias.
/// TorchSharp 0.107 has no rms_norm op, so it is written out here (5 small ops).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private TorchSharp.Modules.Parameter weight; // named like its registration so .to(device) rebinds it
    private readonly double _eps;
    // Held by the module, so libtorch never reads a finalized temporary (Scalars.cs): this forward runs twice per layer
    // per step, and the GRPO run that crashed in session 6 died in it ("INTERNAL ASSERT FAILED … Scalar.h" under pow).
    private readonly Scalar _epsScalar;

    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        _epsScalar = eps.ToScalar();
        weight = new TorchSharp.Modules.Parameter(ones(dim));
        register_parameter("weight", weight);
    }

    /// <summary>The gain [D] (read by pointer in <see cref="HostDecodeStep"/>).</summary>
    internal Tensor Weight => weight;
    internal double Eps => _eps;

    public override Tensor forward(Tensor x) // [..., D] → [..., D]
    {
        // x·x, not square(): TorchSharp's square() is pow(2) with a temporary Scalar.
        using var sq = x.mul(x);                                                      // [..., D]
        using var inv = sq.mean([-1L], keepdim: true).add_(_epsScalar).rsqrt_(); // [..., 1]
        using var normed = x.mul(inv);
        return normed.mul(weight); // not in place: autograd keeps normed for the weight gradient
    }
}
