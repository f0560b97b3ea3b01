using Vrm.Learner.Stages;
using Vrm.Learner.Tests.Fixtures;
using Vrm.Learner.Training;
using Vrm.Policy;

namespace Vrm.Learner.Tests;

/// <summary>
/// SFT leaves the vision encoder exactly as pretrained unless <see cref="SftOptions.TrainVision"/> is set (DESIGN keeps
/// it frozen); with the switch on, the encoder's weights move with the projector and LM.
/// </summary>
public class TrainVisionTests(TinyRun tiny) : IClassFixture<TinyRun>
{
    private static Dictionary<string, float[]> Weights(string dir, string prefix)
    {
        var tensors = Checkpoint.LoadTensors(Path.Combine(dir, "model.safetensors"));
        try { return tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray()); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    private static int Changed(Dictionary<string, float[]> before, Dictionary<string, float[]> after) =>
        before.Count(kv => !kv.Value.AsSpan().SequenceEqual(after[kv.Key]));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_encoder_moves_only_when_trained(bool trainVision)
    {
        var outDir = tiny.NewRunDir();
        SftStage.Run(tiny.Data, tiny.Init, outDir, new SftOptions { Steps = 2, BatchSize = 4, WarmupSteps = 0, TrainVision = trainVision }, _ => { });

        var visionBefore = Weights(tiny.Init, "vision.");
        var visionAfter = Weights(outDir, "vision.");
        Assert.NotEmpty(visionBefore);
        Assert.Equal(visionBefore.Keys.Order(), visionAfter.Keys.Order());
        // The projector always trains: proves the two steps really updated the model.
        Assert.True(Changed(Weights(tiny.Init, "projector."), Weights(outDir, "projector.")) > 0, "the projector did not move");
        if (trainVision) Assert.Equal(visionBefore.Count, Changed(visionBefore, visionAfter));
        else Assert.Equal(0, Changed(visionBefore, visionAfter));
    }
}
