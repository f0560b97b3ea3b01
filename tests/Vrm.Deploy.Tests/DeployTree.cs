using System.Security.Cryptography;

namespace Vrm.Deploy.Tests;

/// <summary>
/// A private copy of k8s/ in a temp folder, with the git-ignored secret files filled in the way
/// k8s/make-secrets.sh does, so tests render exactly what a user renders and may plant faults freely.
/// </summary>
public sealed class DeployTree : IDisposable
{
    public string Root { get; }

    public DeployTree()
    {
        Root = Directory.CreateTempSubdirectory("vrm-k8s-").FullName;
        Copy(RepoPaths.K8s, Root);
        var secrets = System.IO.Path.Combine(Root, "base", "secrets");
        Directory.CreateDirectory(secrets);
        foreach (var name in new[] { "admin-token", "redis-password" })
            File.WriteAllText(System.IO.Path.Combine(secrets, name), Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
    }

    public string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public string Render(string overlay) => Kubectl.Kustomize(Path(System.IO.Path.Combine("overlays", overlay)));

    /// <summary>Replaces text in one file of the copy; throws if the text is not there, so a planted
    /// fault can never silently miss.</summary>
    public void Replace(string relative, string oldText, string newText)
    {
        var file = Path(relative);
        var text = File.ReadAllText(file);
        if (!text.Contains(oldText, StringComparison.Ordinal))
            throw new InvalidOperationException($"{relative} does not contain the text to replace: {oldText}");
        File.WriteAllText(file, text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, System.IO.Path.Combine(to, System.IO.Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) Copy(d, System.IO.Path.Combine(to, System.IO.Path.GetFileName(d)));
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } // temp folder; best effort
    }
}
