using TorchSharp;

namespace Vrm.Policy;

/// <summary>Where tensors live: CUDA when the CUDA bundle is loaded and a GPU is visible, else CPU.</summary>
public static class TorchDevice
{
    private static readonly Lazy<torch.Device> Selected = new(() =>
        torch.cuda.is_available() ? torch.CUDA : torch.CPU);

    public static torch.Device Default => Selected.Value;
}
