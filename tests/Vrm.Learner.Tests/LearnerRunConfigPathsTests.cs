using Vrm.Learner.Distributed;

namespace Vrm.Learner.Tests;

/// <summary>The learner resolves a run config's relative paths against the data root the workers use (VRM_DATA_DIR).</summary>
public sealed class LearnerRunConfigPathsTests
{
    private static LearnerRunConfig Config(string data, string init) => new() { Data = new RunDataConfig { Path = data }, InitCheckpoint = init };

    [Fact]
    public void Relative_paths_are_resolved_against_the_data_root_and_absolute_ones_are_kept()
    {
        var relative = Config("shapesworld", "checkpoints/sft").ToRunOptions("/runs/r1", 5, "/data");
        Assert.Equal(Path.Combine("/data", "shapesworld"), relative.DataPath);
        Assert.Equal(Path.Combine("/data", "checkpoints/sft"), relative.InitCheckpoint);

        var absolute = Config("/mnt/set", "/mnt/sft").ToRunOptions("/runs/r1", 5, "/data");
        Assert.Equal("/mnt/set", absolute.DataPath);
        Assert.Equal("/mnt/sft", absolute.InitCheckpoint);

        var noRoot = Config("shapesworld", "sft").ToRunOptions("/runs/r1", 5);
        Assert.Equal("shapesworld", noRoot.DataPath);
    }
}
