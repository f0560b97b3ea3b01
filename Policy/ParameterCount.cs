using TorchSharp;

namespace Vrm.Policy;

/// <summary>Parameter counts of a model, per component (the tied LM head is counted once, in the embedding).</summary>
public sealed record ParameterCount(long Vision, long Projector, long LanguageModel)
{
    public long Total => Vision + Projector + LanguageModel;

    public static ParameterCount Of(VrmModel model) => new(
        Count(model.Vision), Count(model.Projector), Count(model.LanguageModel));

    private static long Count(torch.nn.Module m) => m.parameters().Sum(p => p.numel());
}
