using TorchSharp;
using TorchSharp.Modules;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// The ViT vision encoder (CLIP-style): normalise pixels, cut into non-overlapping patches and embed
/// them (a stride-P convolution = one linear map per patch), add learned positional embeddings, run
/// pre-norm blocks, final LayerNorm. No CLS token: LLaVA feeds the patch features to the projector.
/// Images [B, 3, H, W] float in 0..1 → patch features [B, P, D_vit].
/// </summary>
public sealed class VisionEncoder : nn.Module<Tensor, Tensor>
{
    // CLIP's pixel statistics: the encoder owns normalisation so every caller feeds plain 0..1 pixels.
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    private readonly Conv2d patch_embed;
    private readonly TorchSharp.Modules.Parameter pos_embed; // [1, P, D]
    private readonly ModuleList<VisionBlock> blocks;
    private readonly LayerNorm norm;
    private Tensor pixel_mean; // [1, C, 1, 1]
    private Tensor pixel_std;

    public VisionEncoder(VisionConfig cfg) : base(nameof(VisionEncoder))
    {
        Config = cfg;
        patch_embed = nn.Conv2d(cfg.Channels, cfg.Dim, kernel_size: cfg.PatchSize, stride: cfg.PatchSize);
        pos_embed = new TorchSharp.Modules.Parameter(randn(1, cfg.NumPatches, cfg.Dim).mul_(0.02));
        blocks = new ModuleList<VisionBlock>();
        for (int i = 0; i < cfg.Layers; i++) blocks.Add(new VisionBlock(cfg.Dim, cfg.Heads, cfg.Dim * cfg.MlpRatio, cfg.NormEps));
        norm = nn.LayerNorm(cfg.Dim, cfg.NormEps);
        float[] mean = cfg.Channels == 3 ? Mean : Enumerable.Repeat(0.5f, cfg.Channels).ToArray();
        float[] std = cfg.Channels == 3 ? Std : Enumerable.Repeat(0.25f, cfg.Channels).ToArray();
        pixel_mean = tensor(mean, [1, cfg.Channels, 1, 1]);
        pixel_std = tensor(std, [1, cfg.Channels, 1, 1]);
        register_module("patch_embed", patch_embed);
        register_parameter("pos_embed", pos_embed);
        register_module("blocks", blocks);
        register_module("norm", norm);
        register_buffer("pixel_mean", pixel_mean, persistent: false);
        register_buffer("pixel_std", pixel_std, persistent: false);
    }

    public VisionConfig Config { get; }

    public override Tensor forward(Tensor images) // [B, C, H, W] in 0..1
    {
        if (images.dim() != 4 || images.shape[1] != Config.Channels || images.shape[2] != Config.ImageSize || images.shape[3] != Config.ImageSize)
            throw new ArgumentException($"images must be [B, {Config.Channels}, {Config.ImageSize}, {Config.ImageSize}], got [{string.Join(", ", images.shape)}]");
        using var centred = images.sub(pixel_mean);
        using var normed = centred.div_(pixel_std);
        using var patches = patch_embed.forward(normed);              // [B, D, H/p, W/p]
        using var tokens = patches.flatten(2).transpose(1, 2);        // [B, P, D]
        var x = tokens.add(pos_embed, Scalars.One);                                 // [B, P, D]
        foreach (var block in blocks)
        {
            var next = block.forward(x);
            x.Dispose();
            x = next;
        }
        using (x) return norm.forward(x);                              // [B, P, D]
    }
}
