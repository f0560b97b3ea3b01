using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy;

/// <summary>Llama's SwiGLU MLP: down(silu(gate(x)) · up(x)), with gate and up fused into one matmul.</summary>
public sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_up; // D → 2F: [gate | up]
    private readonly Linear down;    // F → D

    public SwiGluMlp(int dim, int hidden) : base(nameof(SwiGluMlp))
    {
        gate_up = nn.Linear(dim, 2 * hidden, hasBias: false);
        down = nn.Linear(hidden, dim, hasBias: false);
        register_module("gate_up", gate_up);
        register_module("down", down);
    }

    /// <summary>[2F, D]: rows 0..F-1 gate, F..2F-1 up.</summary>
    internal Tensor GateUpWeight => gate_up.weight!;
    /// <summary>[D, F].</summary>
    internal Tensor DownWeight => down.weight!;

    public override Tensor forward(Tensor x) // [B, T, D]
    {
        using var gu = gate_up.forward(x);          // [B, T, 2F]
        var halves = gu.chunk(2, -1);
        using var gate = halves[0];
        using var up = halves[1];
        using var s = F.silu(gate);
        using var act = s.mul(up);                  // [B, T, F]
        return down.forward(act);                   // [B, T, D]
    }
}
