using Vrm.Data.ShapesWorld;
using Vrm.Learner.Stages;
using Vrm.Policy;

namespace Vrm.Learner.Tests.Fixtures;

/// <summary>A small generated dataset and an untrained "SFT" checkpoint, shared by a test class.</summary>
public sealed class TinyRun : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vrm-learner-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public string Data => Path.Combine(Root, "data");
    public string Init => Path.Combine(Root, "init");

    public TinyRun()
    {
        new ShapesWorldGenerator().Write(Data, new ShapesWorldRequest(7, [TaskNames.Count],
            new Dictionary<string, int> { ["train"] = 48, ["test"] = 8, ["ood"] = 8 }));
        using var model = PolicyFactory.Create(VrmTokenizer.Default, 3);
        Checkpoint.Save(Init, model.Config, model, VrmTokenizer.Default);
    }

    public string NewRunDir() => Path.Combine(Root, "run-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
