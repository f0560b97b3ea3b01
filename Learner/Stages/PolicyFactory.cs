using TorchSharp;
using Vrm.Policy;
using Vrm.Policy.Config;

namespace Vrm.Learner.Stages;

/// <summary>Builds models the same way everywhere: seeded init, vocabulary sized to the tokenizer, or loaded from a checkpoint.</summary>
public static class PolicyFactory
{
    /// <summary>The default VRM sized to <paramref name="tokenizer"/>, initialised from <paramref name="seed"/>.</summary>
    public static VrmModel Create(VrmTokenizer tokenizer, ulong seed, VrmConfig? config = null)
    {
        config ??= VrmConfig.Default;
        config = config with { LanguageModel = config.LanguageModel with { VocabSize = tokenizer.VocabSize } };
        torch.manual_seed((long)seed);
        var model = new VrmModel(config);
        model.to(TorchDevice.Default);
        return model;
    }

    /// <summary>A model with the checkpoint's config and weights, and the tokenizer stored beside them.</summary>
    public static (VrmModel Model, VrmTokenizer Tokenizer) Load(string checkpointDir)
    {
        var config = Checkpoint.ReadConfig(checkpointDir);
        var tokenizer = Checkpoint.LoadTokenizer(checkpointDir);
        if (tokenizer.VocabSize != config.LanguageModel.VocabSize)
            throw new InvalidDataException($"checkpoint {checkpointDir}: tokenizer has {tokenizer.VocabSize} tokens but config vocab_size is {config.LanguageModel.VocabSize}");
        var model = new VrmModel(config);
        Checkpoint.LoadInto(checkpointDir, model, config);
        model.to(TorchDevice.Default);
        return (model, tokenizer);
    }
}
