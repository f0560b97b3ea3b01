using TorchSharp;
using Vrm.Policy;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>Checkpoints and weight snapshots with the real VRM (default config, tokenizer ids and prompt template).</summary>
public sealed class CheckpointVrmModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vrm-ckpt-model").FullName;
    private static readonly VrmTokenizer Tok = VrmTokenizer.Default;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static VrmModel Create(int seed, VrmConfig? cfg = null)
    {
        torch.manual_seed(seed);
        return new VrmModel(cfg ?? VrmConfig.Default);
    }

    /// <summary>Teacher-forced logits for one image and a real prompt/completion, to compare two models end to end.</summary>
    private static float[] Logits(VrmModel m)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var prompt = PromptTemplate.Default.EncodePrompt(Tok, "How many red objects are there?");
        var completion = Tok.Encode("<think>red: 2</think><answer>2</answer>");
        using var layout = m.Layout([prompt], [completion], Tok.Bos, Tok.Pad);
        torch.manual_seed(99);
        var images = torch.rand(1, 3, m.Config.Vision.ImageSize, m.Config.Vision.ImageSize); // [1, 3, H, W]
        return m.Forward(images, layout).data<float>().ToArray();                          // [1, Tc, V]
    }

    [Fact]
    public void VrmModelCheckpointRoundTripIsBitExact()
    {
        using var trained = Create(1);
        using var fresh = Create(2);
        Assert.NotEqual(Logits(trained), Logits(fresh));

        var dir = Path.Combine(_root, "step-10");
        Checkpoint.Save(dir, trained.Config, trained, Tok, new Dictionary<string, string> { ["step"] = "10" });
        var cfg = Checkpoint.ReadConfig(dir);
        Assert.Equal(trained.Config, cfg);
        Checkpoint.LoadInto(dir, fresh, cfg);
        TinyNet.AssertSameState(trained, fresh);
        Assert.Equal(Logits(trained), Logits(fresh));

        // PyBridge, an independent safetensors reader, sees the same tensors.
        var theirs = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(dir, Checkpoint.ModelFile));
        Assert.Equal(trained.state_dict().Count, theirs.Count);
        foreach (var (k, t) in trained.state_dict()) Assert.True(t.equal(theirs[k]).all().item<bool>(), k);
    }

    [Fact]
    public void VrmModelSnapshotRoundTripIsBitExact()
    {
        using var learner = Create(3);
        using var worker = Create(4);
        var snap = WeightSnapshot.Capture(learner, version: 5);
        var received = WeightSnapshot.FromParts(WeightSnapshotHeader.FromBytes(snap.Header.ToBytes()), snap.Payload.ToArray());
        received.ApplyTo(worker);
        TinyNet.AssertSameState(learner, worker);
        Assert.Equal(Logits(learner), Logits(worker));
    }

    [Fact]
    public void ACheckpointOfAnotherShapeIsRefusedByName()
    {
        var small = VrmConfig.Default with { LanguageModel = VrmConfig.Default.LanguageModel with { Dim = 64, Heads = 4, MlpHidden = 128 } };
        using var smallModel = Create(5, small);
        var dir = Path.Combine(_root, "small");
        Checkpoint.Save(dir, small, smallModel, Tok);
        using var model = Create(6);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(dir, model, model.Config));
        Assert.Contains("config mismatch", e.Message);
        Assert.Contains("language_model.dim: 128 vs 64", e.Message);
        var shapes = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(dir, model)).Message;
        Assert.Contains("shape mismatch for 'language_model.", shapes);
    }
}
