using System.Text.RegularExpressions;

namespace Vrm.Deploy.Tests;

/// <summary>
/// No Docker engine runs here, so the Dockerfiles are checked as text for the properties the issue
/// asks: multi-stage, pinned bases, the shared publish script per backend, non-root final user.
/// </summary>
public sealed partial class DockerfileTests
{
    static string Read(string name) => File.ReadAllText(Path.Combine(RepoPaths.K8s, "docker", name));

    [GeneratedRegex(@"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [Theory]
    [InlineData("cpu.Dockerfile", "cpu", "debian:12")]
    [InlineData("cuda.Dockerfile", "cuda", "nvidia/cuda:")]
    public void Dockerfile_is_multi_stage_pinned_non_root_and_publishes_with_the_shared_script(string file, string backend, string runtimeBase)
    {
        var text = Read(file);
        var froms = FromLine().Matches(text).Select(m => m.Groups[1].Value).ToList();
        Assert.True(froms.Count >= 2, $"{file}: expected a build stage and a runtime stage");
        foreach (var image in froms)
        {
            var last = image[(image.LastIndexOf('/') + 1)..];
            Assert.True(image.Contains("@sha256:") || (last.Contains(':') && !last.EndsWith(":latest", StringComparison.Ordinal)),
                $"{file}: base image '{image}' is not pinned");
        }
        Assert.StartsWith(runtimeBase, froms[^1]);
        if (backend == "cuda") Assert.Contains("ubuntu24.04", froms[^1]);
        Assert.Contains($"k8s/docker/publish.sh {backend} ", text);
        Assert.Contains("fonts-dejavu-core", text);
        var user = Regex.Matches(text, @"^USER\s+(\S+)", RegexOptions.Multiline).Last().Groups[1].Value;
        var uid = user.Split(':')[0];
        Assert.True(int.TryParse(uid, out var n) && n > 0, $"{file}: final USER '{user}' must be a numeric non-root uid");
        Assert.Contains("ENTRYPOINT [\"/app/vrm\"]", text);
    }
}
