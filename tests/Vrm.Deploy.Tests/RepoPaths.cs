namespace Vrm.Deploy.Tests;

/// <summary>Where the repository and its deploy tree are, found from the test binary upwards.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string K8s => Path.Combine(Root, "k8s");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vrm.Distributed.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no Vrm.Distributed.sln above {AppContext.BaseDirectory}");
    }
}
