using TorchSharp;
using Vrm.Policy;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.RolloutWorker.Tests;

/// <summary>A very small VRM for fast worker tests (vocab 512, BOS 1, EOS 2, pad 0).</summary>
internal static class TinyPolicy
{
    public static VrmConfig Config(int layers = 2) => new()
    {
        Vision = new VisionConfig { ImageSize = 16, PatchSize = 8, Dim = 32, Layers = 1, Heads = 2, MlpRatio = 2 },
        LanguageModel = new LanguageModelConfig { VocabSize = 512, Dim = 32, Layers = layers, Heads = 2, MlpHidden = 64, MaxSeqLen = 64 },
    };

    public static VrmModel Create(int seed, int layers = 2)
    {
        torch.manual_seed(seed);
        var model = new VrmModel(Config(layers));
        model.eval();
        return model;
    }

    /// <summary>Greedy tokens for fixed inputs: equal outputs ⇔ (practically) equal weights.</summary>
    public static int[][] Greedy(VrmModel model)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(7);
        var images = rand([2, 3, 16, 16], generator: g);
        int[][] prompts = [[10, 20, 30], [40, 50, 60, 70]];
        var batch = Sampler.Generate(model, images, prompts, 1, new Vrm.Policy.SamplingParams
        {
            Temperature = 0f, MaxNewTokens = 8, StopTokenIds = [5], EosTokenId = 2, PadTokenId = 0, BosTokenId = 1, Seed = 1,
        });
        return batch.Rows.Select(r => r.Tokens).ToArray();
    }
}
