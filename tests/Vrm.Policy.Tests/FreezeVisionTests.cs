using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

public class FreezeVisionTests
{
    [Fact]
    public void A_frozen_encoder_gets_no_gradient_while_projector_and_lm_do()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        model.FreezeVision();
        using var s = Scorer.Score(model, TinyModel.Images(2), TinyModel.Prompts(2), [[20, 21, 22], [30, 31]], withGrad: true);
        var loss = s.LogProbs.sum().neg();
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.StartsWith("vision.")) Assert.True(p.grad is null, $"{name} got a gradient");
            else
            {
                Assert.True(p.grad is not null, $"{name} got no gradient");
                Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
            }
        }
    }

    [Fact]
    public void An_unfrozen_encoder_does_get_gradient()
    {
        using var scope = NewDisposeScope();
        var model = TinyModel.Create();
        using var s = Scorer.Score(model, TinyModel.Images(2), TinyModel.Prompts(2), [[20, 21], [30, 31]], withGrad: true);
        s.LogProbs.sum().neg().backward();
        var w = model.named_parameters().Single(p => p.name == "vision.blocks.0.attn.qkv.weight").parameter;
        Assert.True(w.grad is not null && w.grad.abs().sum().item<float>() > 0);
    }
}
