using System.Diagnostics;
using System.Text.Json;

namespace Vrm.Deploy.Tests;

/// <summary>
/// k8s/docker/publish.sh is the one publish command (both Dockerfiles and build/test.sh run it).
/// CI publishes the CPU backend for real (build/test.sh). The CUDA bundle does not restore here, so
/// for cuda we check what can be checked without it: the script's exact command line, evaluated by
/// MSBuild with the same global properties, makes Vrm.Policy (the one project that references a torch
/// bundle, and which Cli references) take TorchSharp-cuda-linux and not TorchSharp-cpu, and the central
/// package versions pin it.
/// </summary>
public sealed class PublishScriptTests
{
    static string Script => Path.Combine(RepoPaths.K8s, "docker", "publish.sh");

    static (int Code, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{file} {string.Join(' ', args)}"); }
        return (p.ExitCode, o.Result, e.Result);
    }

    static string[] PrintedCommand(string backend)
    {
        var (code, stdout, stderr) = Run("bash", Script, backend, "/tmp/vrm-publish-" + backend, "--print");
        Assert.True(code == 0, stderr);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The publish command's options as MSBuild global properties.</summary>
    static List<string> AsMsBuildProperties(string[] cmd)
    {
        var props = new List<string>();
        for (var i = 0; i < cmd.Length; i++)
        {
            switch (cmd[i])
            {
                case "-c": props.Add($"-p:Configuration={cmd[++i]}"); break;
                case "-r": props.Add($"-p:RuntimeIdentifier={cmd[++i]}"); break;
                case "--self-contained": props.Add($"-p:SelfContained={cmd[++i]}"); break;
                case "-o": i++; break;
                default: if (cmd[i].StartsWith("-p:", StringComparison.Ordinal)) props.Add(cmd[i]); break;
            }
        }
        return props;
    }

    static JsonElement EvaluateItems(string project, IEnumerable<string> props, string items)
    {
        var (code, stdout, stderr) = Run("dotnet", ["msbuild", project, $"-getItem:{items}", .. props]);
        Assert.True(code == 0, $"dotnet msbuild -getItem failed: {stderr}{stdout}");
        return JsonDocument.Parse(stdout).RootElement.GetProperty("Items");
    }

    [Theory]
    [InlineData("cuda", "TorchSharp-cuda-linux", "TorchSharp-cpu")]
    [InlineData("cpu", "TorchSharp-cpu", "TorchSharp-cuda-linux")]
    public void Publish_command_selects_the_torch_bundle_of_its_backend(string backend, string wanted, string unwanted)
    {
        var cmd = PrintedCommand(backend);
        Assert.Equal(["dotnet", "publish"], cmd[..2]);
        Assert.Equal(Path.Combine(RepoPaths.Root, "Cli", "vrm.csproj"), cmd[2]);
        Assert.Contains($"-p:VrmTorchBackend={backend}", cmd);

        var props = AsMsBuildProperties(cmd);
        var cliRefs = EvaluateItems(cmd[2], props, "ProjectReference").GetProperty("ProjectReference")
            .EnumerateArray().Select(i => i.GetProperty("FullPath").GetString()).ToList();
        var policy = Path.Combine(RepoPaths.Root, "Policy", "Vrm.Policy.csproj");
        Assert.Contains(policy, cliRefs);

        var items = EvaluateItems(policy, props, "PackageReference,PackageVersion");
        var refs = items.GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()).ToList();
        Assert.Contains(wanted, refs);
        Assert.DoesNotContain(unwanted, refs);
        var pinned = items.GetProperty("PackageVersion").EnumerateArray()
            .Where(i => i.GetProperty("Identity").GetString() == wanted).Select(i => i.GetProperty("Version").GetString()).ToList();
        Assert.True(pinned.Count == 1 && !string.IsNullOrEmpty(pinned[0]), $"no central PackageVersion for {wanted}");
    }

    [Fact]
    public void Publish_script_rejects_an_unknown_backend_with_its_usage()
    {
        var (code, _, stderr) = Run("bash", Script, "rocm", "/tmp/vrm-publish-rocm");
        Assert.Equal(2, code);
        Assert.Contains("usage:", stderr);
    }
}
