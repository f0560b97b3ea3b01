using TorchSharp;
Console.WriteLine($"torch {torch.__version__} device {Vrm.Policy.TorchDevice.Default}");
using var x = torch.randn(4, 4);
Console.WriteLine((x.matmul(x)).sum().item<float>());
