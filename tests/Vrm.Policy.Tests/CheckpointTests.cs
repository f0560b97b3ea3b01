using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using TorchSharp;
using Vrm.Policy;
using Vrm.Policy.Config;
using static TorchSharp.torch;

namespace Vrm.Policy.Tests;

/// <summary>A small hand-built module: parameters of three layer kinds plus a persistent buffer.</summary>
internal sealed class TinyNet : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Embedding emb;
    private readonly TorchSharp.Modules.Linear proj;
    private readonly TorchSharp.Modules.LayerNorm norm;

    public TinyNet(long seed, int dim = 16, int vocab = 32, bool extra = false) : base("tiny")
    {
        torch.manual_seed(seed);
        emb = nn.Embedding(vocab, dim);
        proj = nn.Linear(dim, dim);
        norm = nn.LayerNorm(dim);
        register_buffer("scale", torch.rand(dim));
        if (extra) register_parameter("extra_bias", new TorchSharp.Modules.Parameter(torch.randn(dim)));
        RegisterComponents();
        // LayerNorm starts at exactly 1 and 0: perturb it so a load that skipped it would be caught.
        using (torch.no_grad()) foreach (var p in parameters()) p.add_(torch.randn_like(p) * 0.1);
    }

    public override Tensor forward(Tensor x) => norm.forward(proj.forward(emb.forward(x))) * get_buffer("scale")!;

    /// <summary>Raw bytes of every state tensor, read element-wise (independent of tensor.bytes).</summary>
    public static Dictionary<string, byte[]> StateBytes(nn.Module m) =>
        m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(kv.Value.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float64 => MemoryMarshal.AsBytes(kv.Value.data<double>().ToArray().AsSpan()).ToArray(),
            var t => throw new NotSupportedException(t.ToString()),
        });

    public static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var a = StateBytes(expected);
        var b = StateBytes(actual);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var k in a.Keys) Assert.True(a[k].AsSpan().SequenceEqual(b[k]), $"tensor '{k}' differs");
    }

    public static void AssertDifferentState(nn.Module x, nn.Module y)
    {
        var a = StateBytes(x);
        var b = StateBytes(y);
        Assert.Contains(a.Keys, k => b.ContainsKey(k) && !a[k].AsSpan().SequenceEqual(b[k]));
    }
}

public sealed class CheckpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vrm-ckpt").FullName;
    private static readonly VrmConfig Cfg = VrmConfig.Default;
    private static readonly VrmTokenizer Tok = VrmTokenizer.Default;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string SaveTiny(TinyNet net, string name = "ckpt", IDictionary<string, string>? meta = null)
    {
        var dir = Path.Combine(_root, name);
        Checkpoint.Save(dir, Cfg, net, Tok, meta);
        return dir;
    }

    [Fact]
    public void SaveThenLoadIsBitExact()
    {
        using var a = new TinyNet(1);
        using var b = new TinyNet(2);
        TinyNet.AssertDifferentState(a, b);
        var dir = SaveTiny(a, meta: new Dictionary<string, string> { ["step"] = "42" });

        Checkpoint.LoadInto(dir, b, Cfg);
        TinyNet.AssertSameState(a, b);
        using var x = torch.tensor(new long[] { 1, 5, 7 });
        Assert.True(a.forward(x).equal(b.forward(x)).all().item<bool>());

        Assert.Equal(Cfg, Checkpoint.ReadConfig(dir));
        Assert.Equal(Tok.Encode("How many red objects?"), Checkpoint.LoadTokenizer(dir).Encode("How many red objects?"));
        var meta = Checkpoint.ReadMetadata(dir);
        Assert.Equal("42", meta["step"]);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal(new[] { Checkpoint.ConfigFile, Checkpoint.ModelFile, Cfg.Tokenizer.File }.Order(), Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void ModelFileFollowsTheSafetensorsSpec()
    {
        // Parsed here from the spec alone (python3-safetensors is not packaged for Debian 12): 8-byte LE
        // length, JSON header padded to 8, tensors contiguous, little-endian values.
        using var net = new TinyNet(3);
        var dir = SaveTiny(net, meta: new Dictionary<string, string> { ["run"] = "r1" });
        var file = File.ReadAllBytes(Path.Combine(dir, Checkpoint.ModelFile));
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, (8 + n) % 8);
        var headerText = Encoding.UTF8.GetString(file, 8, (int)n);
        Assert.StartsWith("{", headerText);
        using var header = JsonDocument.Parse(headerText);
        var data = file.AsSpan(8 + (int)n);
        var expected = TinyNet.StateBytes(net);
        var seen = new List<(long Begin, long End)>();
        foreach (var prop in header.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__") { Assert.Equal("r1", prop.Value.GetProperty("run").GetString()); continue; }
            Assert.Equal("F32", prop.Value.GetProperty("dtype").GetString());
            var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(net.state_dict()[prop.Name].shape, shape);
            var off = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.True(data[(int)off[0]..(int)off[1]].SequenceEqual(expected[prop.Name]), $"bytes of '{prop.Name}' differ");
            seen.Add((off[0], off[1]));
        }
        Assert.Equal(expected.Count, seen.Count);
        long at = 0;
        foreach (var (begin, end) in seen.OrderBy(s => s.Begin)) { Assert.Equal(at, begin); at = end; }
        Assert.Equal(data.Length, at);
    }

    [Fact]
    public void PyBridgeReadsOurFileAndWeReadItsFile()
    {
        // A second, independent implementation of the format (TorchSharp.PyBridge) agrees both ways.
        using var net = new TinyNet(4);
        var dir = SaveTiny(net);
        var theirs = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(dir, Checkpoint.ModelFile));
        Assert.Equal(net.state_dict().Keys.Order(), theirs.Keys.Order());
        foreach (var (k, t) in net.state_dict()) Assert.True(t.equal(theirs[k]).all().item<bool>(), $"PyBridge read '{k}' differently");

        var pyPath = Path.Combine(_root, "pybridge.safetensors");
        TorchSharp.PyBridge.Safetensors.SaveStateDict(pyPath, net.state_dict());
        var ours = Checkpoint.LoadTensors(pyPath);
        foreach (var (k, t) in net.state_dict()) Assert.True(t.equal(ours[k]).all().item<bool>(), $"we read PyBridge's '{k}' differently");
    }

    [Fact]
    public void OptimizerStyleTensorsRoundTripWithTheirDtypes()
    {
        var path = Path.Combine(_root, "optimizer.safetensors");
        var tensors = new Dictionary<string, Tensor>
        {
            ["exp_avg.w"] = torch.randn(3, 4),
            ["step"] = torch.tensor(new long[] { 1234567890123 }),
            ["mask"] = torch.tensor(new[] { true, false, true }),
            ["scalar"] = torch.tensor(2.5),
            ["empty"] = torch.zeros(0, 5),
        };
        Checkpoint.SaveTensors(path, tensors, new Dictionary<string, string> { ["kind"] = "adamw" });
        var back = Checkpoint.LoadTensors(path);
        Assert.Equal(tensors.Keys.Order(), back.Keys.Order());
        foreach (var (k, t) in tensors)
        {
            Assert.Equal(t.dtype, back[k].dtype);
            Assert.Equal(t.shape, back[k].shape);
            Assert.True(t.equal(back[k]).all().item<bool>(), k);
        }
    }

    [Fact]
    public void SavingOverACheckpointReplacesItAndAFailedSaveLeavesTheOldOne()
    {
        using var a = new TinyNet(5);
        using var b = new TinyNet(6);
        var dir = SaveTiny(a);
        Checkpoint.Save(dir, Cfg, b, Tok, writeExtras: tmp => File.WriteAllText(Path.Combine(tmp, "trainer_state.json"), "{\"step\":7}"));
        Assert.True(File.Exists(Path.Combine(dir, "trainer_state.json")));
        using var probe = new TinyNet(7);
        Checkpoint.LoadInto(dir, probe);
        TinyNet.AssertSameState(b, probe);

        // A crash while writing (here: the extras writer throws) must leave the previous checkpoint whole.
        Assert.Throws<IOException>(() => Checkpoint.Save(dir, Cfg, a, Tok, writeExtras: _ => throw new IOException("disk full")));
        using var probe2 = new TinyNet(8);
        Checkpoint.LoadInto(dir, probe2);
        TinyNet.AssertSameState(b, probe2);
        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName)); // no temp folders left
    }

    [Fact]
    public void MissingPiecesAreNamed()
    {
        using var net = new TinyNet(9);
        Assert.Contains("not found", Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.LoadInto(Path.Combine(_root, "nope"), net)).Message);
        var dir = SaveTiny(net);
        File.Delete(Path.Combine(dir, Checkpoint.ModelFile));
        Assert.Contains("model.safetensors is missing", Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadInto(dir, net)).Message);
        File.Delete(Path.Combine(dir, Checkpoint.ConfigFile));
        Assert.Contains("config.json is missing", Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadConfig(dir)).Message);
    }

    [Fact]
    public void CorruptModelFilesAreRejectedAndTheModelIsUnchanged()
    {
        using var saved = new TinyNet(10);
        var dir = SaveTiny(saved);
        var path = Path.Combine(dir, Checkpoint.ModelFile);
        var good = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(good);

        void Expect(byte[] bytes, string message)
        {
            File.WriteAllBytes(path, bytes);
            using var target = new TinyNet(11);
            var before = TinyNet.StateBytes(target);
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(dir, target));
            Assert.Contains(message, e.Message);
            Assert.Contains(path, e.Message);
            var after = TinyNet.StateBytes(target);
            Assert.All(before.Keys, k => Assert.True(before[k].AsSpan().SequenceEqual(after[k]), $"'{k}' changed by a failed load"));
        }

        Expect(good[..5], "truncated");                           // not even the length
        Expect(good[..(8 + (int)n - 3)], "truncated");            // header cut
        Expect(good[..^7], "truncated");                          // data cut
        var badJson = (byte[])good.Clone();
        badJson[8] = (byte)'[';                                   // header no longer an object / valid JSON
        Expect(badJson, "bad header JSON");
        var hugeLength = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeLength, ulong.MaxValue / 2);
        Expect(hugeLength, "header length");
        Expect([.. good, 1, 2, 3, 4], "unexpected bytes after the last tensor");
    }

    [Fact]
    public void MismatchedCheckpointsNameTheMismatch()
    {
        // unknown tensor: the file has a parameter the model lacks
        using var bigger = new TinyNet(12, extra: true);
        var extraDir = SaveTiny(bigger, "extra");
        using var plain = new TinyNet(13);
        var before = TinyNet.StateBytes(plain);
        Assert.Contains("unknown tensor 'extra_bias'", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(extraDir, plain)).Message);

        // missing tensor: the model has a parameter the file lacks
        var plainDir = SaveTiny(plain, "plain");
        using var wantsExtra = new TinyNet(14, extra: true);
        Assert.Contains("missing tensor 'extra_bias'", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(plainDir, wantsExtra)).Message);

        // shape mismatch
        using var narrow = new TinyNet(15, dim: 8);
        var msg = Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(plainDir, narrow)).Message;
        Assert.Contains("shape mismatch for 'proj.weight': file [16, 16], model [8, 8]", msg);

        // dtype mismatch
        using var f64 = new TinyNet(16);
        f64.to(ScalarType.Float64);
        Assert.Contains("dtype mismatch for 'proj.weight': file F32, model F64", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(plainDir, f64)).Message);

        // config mismatch
        var other = Cfg with { LanguageModel = Cfg.LanguageModel with { Dim = 64, Heads = 4 } };
        Assert.Contains("config mismatch: language_model.dim: 64 vs 128", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadInto(plainDir, plain, other)).Message);

        var after = TinyNet.StateBytes(plain);
        Assert.All(before.Keys, k => Assert.True(before[k].AsSpan().SequenceEqual(after[k])));
    }

    [Fact]
    public void BadConfigFilesAreNamed()
    {
        using var net = new TinyNet(17);
        var dir = SaveTiny(net);
        File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), "{ \"vision\": { \"image_size\": 63 } }");
        Assert.Contains("config.json is invalid", Assert.Throws<InvalidDataException>(() => Checkpoint.ReadConfig(dir)).Message);
        File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), "not json");
        Assert.Contains("config.json", Assert.Throws<InvalidDataException>(() => Checkpoint.ReadConfig(dir)).Message);
    }

    [Fact]
    public void SaveRefusesAConfigWhoseVocabularyDoesNotMatchTheTokenizer()
    {
        using var net = new TinyNet(18);
        var cfg = Cfg with { LanguageModel = Cfg.LanguageModel with { VocabSize = Tok.VocabSize + 1 } };
        Assert.Contains("vocab_size", Assert.Throws<ArgumentException>(() => Checkpoint.Save(Path.Combine(_root, "v"), cfg, net, Tok)).Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "v")));
    }
}
