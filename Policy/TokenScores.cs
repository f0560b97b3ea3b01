using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>Per-token scores of given completions: all [N, T] (T = longest completion), padded
/// positions have Mask 0 and LogProbs/Entropy 0. Dispose (or let the caller's dispose scope do it).</summary>
public sealed record TokenScores(Tensor LogProbs, Tensor Entropy, Tensor Mask) : IDisposable
{
    public void Dispose() { LogProbs.Dispose(); Entropy.Dispose(); Mask.Dispose(); }
}
