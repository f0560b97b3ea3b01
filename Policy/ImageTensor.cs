using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Vrm.Policy;

/// <summary>Decoded RGB pixels → the float tensors the vision encoder takes ([3, H, W], 0..1).</summary>
public static class ImageTensor
{
    /// <summary>
    /// Interleaved 8-bit RGB (row-major, 3 bytes per pixel) → [3, S, S] float in 0..1, S = cfg.ImageSize;
    /// resized bilinearly (antialiased when shrinking) if the size differs. Mean/std normalisation is the
    /// encoder's job.
    /// </summary>
    public static Tensor FromRgb(byte[] rgb, int width, int height, VisionConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(cfg);
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size {width}×{height} must be positive");
        if (cfg.Channels != 3) throw new ArgumentException($"FromRgb makes 3 channels; the vision config has {cfg.Channels}");
        if (rgb.LongLength != 3L * width * height)
            throw new ArgumentException($"RGB buffer has {rgb.LongLength} bytes; a {width}×{height} image needs {3L * width * height}");
        // HWC bytes → CHW floats on the host: one pass, no per-pixel tensor ops.
        var chw = new float[rgb.Length];
        int plane = width * height;
        for (int i = 0; i < plane; i++)
        {
            chw[i] = rgb[3 * i] / 255f;
            chw[plane + i] = rgb[3 * i + 1] / 255f;
            chw[2 * plane + i] = rgb[3 * i + 2] / 255f;
        }
        var img = tensor(chw, [3, height, width]);
        if (width == cfg.ImageSize && height == cfg.ImageSize) return img;
        using var scope = NewDisposeScope();
        using (img)
        {
            bool shrink = width > cfg.ImageSize || height > cfg.ImageSize;
            var resized = F.interpolate(img.unsqueeze(0), size: [cfg.ImageSize, cfg.ImageSize],
                mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrink); // [1, 3, S, S]
            return resized.squeeze(0).clamp_(0f, 1f).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Many RGB images → one batch [N, 3, S, S].</summary>
    public static Tensor Batch(IReadOnlyList<(byte[] Rgb, int Width, int Height)> images, VisionConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no images given");
        using var scope = NewDisposeScope();
        var each = images.Select(i => FromRgb(i.Rgb, i.Width, i.Height, cfg)).ToArray();
        return stack(each).MoveToOuterDisposeScope();
    }
}
