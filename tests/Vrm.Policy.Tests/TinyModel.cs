using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>A very small VRM and inputs for fast tests (literal ids until the tokenizer exists:
/// vocab 512, BOS = 1, EOS = 2, pad = 0, stop = 5).</summary>
internal static class TinyModel
{
    public const int Bos = 1, Eos = 2, Pad = 0, Stop = 5, Vocab = 512;

    public static VrmConfig Config => new()
    {
        Vision = new VisionConfig { ImageSize = 16, PatchSize = 8, Dim = 32, Layers = 1, Heads = 2, MlpRatio = 2 },
        LanguageModel = new LanguageModelConfig { VocabSize = Vocab, Dim = 32, Layers = 2, Heads = 2, MlpHidden = 64, MaxSeqLen = 64 },
    };

    public static VrmModel Create(int seed = 1, VrmConfig? cfg = null)
    {
        torch.manual_seed(seed);
        return new VrmModel(cfg ?? Config);
    }

    public static Tensor Images(int n, int seed = 7, VrmConfig? cfg = null)
    {
        var c = (cfg ?? Config).Vision;
        using var g = new Generator((ulong)seed);
        return rand([n, 3, c.ImageSize, c.ImageSize], generator: g);
    }

    /// <summary>Prompts of different lengths (so rows are left-padded differently), ids 10..499.</summary>
    public static int[][] Prompts(int n, int seed = 3)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i => Enumerable.Range(0, 3 + (i * 2) % 7).Select(_ => rng.Next(10, 500)).ToArray()).ToArray();
    }

    /// <summary>Sampling with no stop token in reach of a random model, so rows run to the length limit.</summary>
    public static SamplingParams Params(int maxNew, float temperature = 1f, ulong seed = 42, float topP = 1f) => new()
    {
        Temperature = temperature, TopP = topP, MaxNewTokens = maxNew, StopTokenIds = [Stop],
        EosTokenId = Eos, PadTokenId = Pad, BosTokenId = Bos, Seed = seed,
    };
}
