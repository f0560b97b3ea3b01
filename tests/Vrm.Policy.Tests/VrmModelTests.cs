using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

public class VrmModelTests
{
    [Fact]
    public void Default_config_has_the_documented_parameter_count_and_readable_names()
    {
        torch.manual_seed(0);
        using var model = new VrmModel(VrmConfig.Default);
        var count = ParameterCount.Of(model);
        // The numbers written in VrmModel's doc comment and Policy/README.md.
        Assert.Equal(429_696, count.Vision);
        Assert.Equal(33_024, count.Projector);
        Assert.Equal(918_656, count.LanguageModel);
        Assert.Equal(1_381_376, count.Total);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        foreach (var n in new[] { "vision.patch_embed.weight", "vision.pos_embed", "vision.blocks.0.attn.qkv.weight", "vision.norm.weight",
                     "projector.fc1.weight", "projector.fc2.bias", "language_model.embed.weight",
                     "language_model.layers.3.attn.qkv.weight", "language_model.layers.0.mlp.gate_up.weight",
                     "language_model.layers.0.attn_norm.weight", "language_model.norm.weight" })
            Assert.Contains(n, names);
        // Rotary tables and pixel statistics are buffers, not weights: absent from the state dict.
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("rotary") || k.Contains("pixel_"));
    }

    [Fact]
    public void Same_seed_gives_the_same_init()
    {
        var a = TinyModel.Create(seed: 5);
        var b = TinyModel.Create(seed: 5);
        foreach (var ((na, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(pa.eq(pb).all().item<bool>(), na);
    }

    [Fact]
    public void Linear_projector_and_full_sequence_logits()
    {
        using var scope = NewDisposeScope();
        var cfg = TinyModel.Config with { Projector = new ProjectorConfig { Kind = ProjectorKind.Linear } };
        var model = TinyModel.Create(cfg: cfg);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("projector.fc2"));
        using var layout = model.Layout([[10, 11], [12]], [[20, 21, 22], [23]], TinyModel.Bos, TinyModel.Pad);
        var full = model.Forward(TinyModel.Images(2), layout, fullSequence: true);
        Assert.Equal(new long[] { 2, layout.Length, TinyModel.Vocab }, full.shape);
        // Layout: BOS + 4 visual + 2 prompt = 7 = T0; completions add Tc - 1 = 2 inputs.
        Assert.Equal(7, layout.PromptEnd);
        Assert.Equal(9, layout.Length);
        Assert.Equal(new[] { 0, 1 }, layout.LeftPad);
        var part = model.Forward(TinyModel.Images(2), layout);
        Assert.Equal(new long[] { 2, 3, TinyModel.Vocab }, part.shape);
        Assert.True(full.narrow(1, 6, 3).allclose(part, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Wrong_image_size_is_a_clear_error()
    {
        var model = TinyModel.Create();
        using var bad = zeros(1, 3, 20, 20);
        var e = Assert.Throws<ArgumentException>(() => model.EncodeImages(bad));
        Assert.Contains("images must be", e.Message);
    }
}
