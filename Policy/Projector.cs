using TorchSharp;
using TorchSharp.Modules;
using Vrm.Policy.Config;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy;

/// <summary>
/// The modality projector W: patch features [B, P, D_vit] → visual tokens [B, P, D_lm].
/// LLaVA used one linear map; LLaVA-1.5 a 2-layer MLP with GELU, which its ablations found better.
/// </summary>
public sealed class Projector : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear? fc2;

    public Projector(ProjectorConfig cfg, int visionDim, int lmDim) : base(nameof(Projector))
    {
        Kind = cfg.Kind;
        fc1 = nn.Linear(visionDim, lmDim);
        register_module("fc1", fc1);
        if (cfg.Kind == ProjectorKind.Mlp2xGelu)
        {
            fc2 = nn.Linear(lmDim, lmDim);
            register_module("fc2", fc2);
        }
    }

    public ProjectorKind Kind { get; }

    public override Tensor forward(Tensor features) // [B, P, D_vit]
    {
        if (fc2 is null) return fc1.forward(features);  // [B, P, D_lm]
        using var h = fc1.forward(features);
        using var g = F.gelu(h);
        return fc2.forward(g);                          // [B, P, D_lm]
    }
}
