using System.Text.Json.Nodes;
using TorchSharp;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// A checkpoint is a folder anyone can open: <c>config.json</c> (<see cref="VrmConfig.ToJson"/>),
/// <c>model.safetensors</c> (the module's state dict, readable by Python's safetensors) and the tokenizer file.
/// The learner adds <c>optimizer.safetensors</c> and <c>trainer_state.json</c> through <c>writeExtras</c>, so one
/// atomic rename publishes them all.
/// <para>Saving writes a sibling temp folder and renames it into place: a crash leaves the previous checkpoint
/// (or none), never a half-written one. Loading checks every name, shape and dtype before changing the model.</para>
/// </summary>
public static class Checkpoint
{
    public const string ConfigFile = "config.json";
    public const string ModelFile = "model.safetensors";

    public static void Save(string dir, VrmConfig cfg, nn.Module model, VrmTokenizer tok,
        IDictionary<string, string>? metadata = null, Action<string>? writeExtras = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tok);
        cfg.Validate();
        if (cfg.LanguageModel.VocabSize != tok.VocabSize)
            throw new ArgumentException($"config vocab_size {cfg.LanguageModel.VocabSize} does not match the tokenizer's {tok.VocabSize}");

        var full = Path.GetFullPath(dir.TrimEnd(Path.DirectorySeparatorChar));
        var parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"checkpoint folder {dir} has no parent");
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            meta.TryAdd("format", "pt"); // what transformers' loaders look for
            using (var scope = torch.NewDisposeScope())
                SafeTensors.Write(Path.Combine(temp, ModelFile), model.state_dict(), meta);
            File.WriteAllText(Path.Combine(temp, ConfigFile), cfg.ToJson());
            tok.Save(Path.Combine(temp, cfg.Tokenizer.File));
            writeExtras?.Invoke(temp);
            Publish(temp, full);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>Moves a fully written temp folder to its final name, replacing an older checkpoint of that name.</summary>
    private static void Publish(string temp, string final)
    {
        if (!Directory.Exists(final)) { Directory.Move(temp, final); return; }
        // Directory.Move cannot replace a folder: move the old one aside first, then drop it.
        var old = Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}.old-{Guid.NewGuid():N}");
        Directory.Move(final, old);
        Directory.Move(temp, final);
        Directory.Delete(old, recursive: true);
    }

    public static VrmConfig ReadConfig(string dir)
    {
        var path = Path.Combine(dir, ConfigFile);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"checkpoint folder not found: {dir}");
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint {dir}: {ConfigFile} is missing", path);
        try { return VrmConfig.FromJson(File.ReadAllText(path)); }
        catch (ArgumentException e) { throw new InvalidDataException($"checkpoint {dir}: {ConfigFile} is invalid: {e.Message}", e); }
        catch (InvalidDataException e) { throw new InvalidDataException($"checkpoint {dir}: {e.Message}", e); }
    }

    public static VrmTokenizer LoadTokenizer(string dir) => VrmTokenizer.Load(Path.Combine(dir, ReadConfig(dir).Tokenizer.File));

    public static IReadOnlyDictionary<string, string> ReadMetadata(string dir) =>
        SafeTensors.ReadHeader(Path.Combine(dir, ModelFile)).Metadata;

    /// <summary>
    /// Loads the weights into <paramref name="model"/> after checking the config equals <paramref name="expected"/>
    /// (the one the model was built from): a mismatch names the differing fields.
    /// </summary>
    public static void LoadInto(string dir, nn.Module model, VrmConfig expected)
    {
        var stored = ReadConfig(dir);
        if (stored != expected)
            throw new InvalidDataException($"checkpoint {dir}: config mismatch: {string.Join("; ", ConfigDifferences(expected, stored))}");
        LoadInto(dir, model);
    }

    /// <summary>
    /// Copies model.safetensors into the module's parameters and buffers, bit for bit. Every tensor name, shape
    /// and dtype is checked first; on any problem nothing is changed and the message lists the mismatches.
    /// </summary>
    public static void LoadInto(string dir, nn.Module model)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"checkpoint folder not found: {dir}");
        var path = Path.Combine(dir, ModelFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint {dir}: {ModelFile} is missing", path);
        LoadStateInto(path, model.state_dict(), $"checkpoint {dir}");
    }

    /// <summary>Writes named tensors (e.g. optimizer state) as one safetensors file.</summary>
    public static void SaveTensors(string path, IDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        => SafeTensors.Write(path, tensors, metadata);

    /// <summary>Reads a safetensors file into new CPU tensors; the caller disposes them.</summary>
    public static Dictionary<string, Tensor> LoadTensors(string path) => SafeTensors.ReadAll(path, out _);

    /// <summary>Loads a safetensors file into an existing state dict (same checks as <see cref="LoadInto(string, nn.Module)"/>).</summary>
    public static void LoadStateInto(string path, IDictionary<string, Tensor> state, string what)
    {
        using var file = File.OpenRead(path);
        var (entries, _, dataStart) = SafeTensors.ReadHeaderFrom(file, path);
        var byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

        // --- verify everything before touching the model ---
        var problems = new List<string>();
        foreach (var (name, t) in state.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string want = $"{TensorDType.NameOf(t.dtype)} {Shape(t.shape)}";
            if (!byName.TryGetValue(name, out var e)) { problems.Add($"missing tensor '{name}' (model expects {want})"); continue; }
            if (!e.Shape.SequenceEqual(t.shape)) problems.Add($"shape mismatch for '{name}': file {Shape(e.Shape)}, model {Shape(t.shape)}");
            if (e.DType != TensorDType.NameOf(t.dtype)) problems.Add($"dtype mismatch for '{name}': file {e.DType}, model {TensorDType.NameOf(t.dtype)}");
        }
        foreach (var e in entries.Where(e => !state.ContainsKey(e.Name)).OrderBy(e => e.Name, StringComparer.Ordinal))
            problems.Add($"unknown tensor '{e.Name}' {e.DType} {Shape(e.Shape)} (the model has no such parameter)");
        if (problems.Count > 0)
            throw new InvalidDataException($"{what}: {path} does not fit the model: {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? $"; … {problems.Count - 20} more" : "")}");

        // --- copy, bit for bit ---
        using var noGrad = torch.no_grad();
        foreach (var (name, t) in state)
        {
            using var scope = torch.NewDisposeScope();
            var e = byName[name];
            if (t.device_type == DeviceType.CPU && t.is_contiguous()) SafeTensors.ReadInto(file, dataStart, e, t);
            else
            {
                var staging = torch.empty(t.shape, t.dtype);
                SafeTensors.ReadInto(file, dataStart, e, staging);
                t.copy_(staging);
            }
        }
    }

    private static string Shape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>Field paths whose values differ between two configs, e.g. "language_model.dim: 128 vs 64".</summary>
    private static IEnumerable<string> ConfigDifferences(VrmConfig expected, VrmConfig stored)
    {
        var a = JsonNode.Parse(expected.ToJson());
        var b = JsonNode.Parse(stored.ToJson());
        return Diff(a, b, "").Select(d => d + " (model vs checkpoint)").DefaultIfEmpty("configs differ");

        static IEnumerable<string> Diff(JsonNode? x, JsonNode? y, string at)
        {
            if (x is JsonObject ox && y is JsonObject oy)
            {
                foreach (var key in ox.Select(p => p.Key).Union(oy.Select(p => p.Key)).Order(StringComparer.Ordinal))
                    foreach (var d in Diff(ox[key], oy[key], at.Length == 0 ? key : $"{at}.{key}")) yield return d;
            }
            else if (!JsonNode.DeepEquals(x, y))
                yield return $"{at}: {x?.ToJsonString() ?? "null"} vs {y?.ToJsonString() ?? "null"}";
        }
    }
}
