using TorchSharp;
using Vrm.Policy;

namespace Vrm.Policy.Tests;

/// <summary>The TorchSharp native library loads from the test output (the GLIBCXX fix ran on this build).</summary>
public class TorchNativeLoadTests
{
    [Fact]
    public void Matmul_runs_on_the_default_device()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones(2, 3, device: TorchDevice.Default);
        var b = torch.ones(3, 4, device: TorchDevice.Default);
        var c = a.matmul(b); // [2, 4], every entry 3
        Assert.Equal(24f, c.sum().item<float>());
        Assert.Equal("cpu", TorchDevice.Default.type.ToString().ToLowerInvariant());
    }
}
