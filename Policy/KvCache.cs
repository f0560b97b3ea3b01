using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// Preallocated key/value cache for batched decoding of N prompts × G samples, split in two parts:
/// the shared prefix (BOS, visual and prompt tokens) stored once per prompt, [2, N, H, T0, hd] per layer,
/// and the generated tokens stored per row, [2, N·G, H, maxNew, hd] per layer, written in place at the
/// current step (no per-step concatenation or reallocation).
/// </summary>
/// <remarks>
/// Why not one [2, N·G, H, T0 + maxNew, hd] cache with the prefix copied to every row of the group: a decode
/// step is bound by reading the cache, and the prefix (~90 of ~110 positions here) would be read G times, as
/// N·G·H separate 1-row products. Stored once, the prefix scores of a whole group are one G-row product per
/// (prompt, head) over keys read once — shared-prefix ("cascade") attention.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _prefix;    // each [2, N, H, T0, hd]; slot 0 = keys, 1 = values
    private readonly Tensor[] _generated; // each [2, N·G, H, maxNew, hd]

    public KvCache(int layers, long prompts, long group, int heads, long prefixLen, long maxNew, int headDim, Device device)
    {
        if (prompts < 1 || group < 1 || prefixLen < 1 || maxNew < 1)
            throw new ArgumentException($"KV cache needs prompts ({prompts}), group ({group}), prefix length ({prefixLen}) and max new tokens ({maxNew}) >= 1");
        Prompts = prompts;
        Group = group;
        PrefixLen = prefixLen;
        MaxNew = maxNew;
        _prefix = new Tensor[layers];
        _generated = new Tensor[layers];
        for (int l = 0; l < layers; l++)
        {
            // empty, not zeros: every slot read was written first (reads stop at the written length).
            _prefix[l] = empty([2, prompts, heads, prefixLen, headDim], dtype: float32, device: device);
            _generated[l] = empty([2, prompts * group, heads, maxNew, headDim], dtype: float32, device: device);
        }
    }

    /// <summary>N: prompts, each with its own prefix.</summary>
    public long Prompts { get; }
    /// <summary>G: decoded rows per prompt; rows are prompt-major (row = prompt·G + sample).</summary>
    public long Group { get; }
    public long Rows => Prompts * Group;
    /// <summary>T0: positions of the shared prefix.</summary>
    public long PrefixLen { get; }
    public long MaxNew { get; }

    /// <summary>Writes the prefix keys/values <paramref name="kv"/> [2, N, H, T0, hd] (the prefill of every prompt).</summary>
    public void WritePrefix(int layer, Tensor kv)
    {
        if (kv.shape[1] != Prompts || kv.shape[3] != PrefixLen)
            throw new ArgumentException($"prefix keys/values [{string.Join(", ", kv.shape)}] must have {Prompts} prompts and {PrefixLen} positions");
        _prefix[layer].copy_(kv);
    }

    /// <summary>Writes generated keys/values <paramref name="kv"/> [2, N·G, H, 1, hd] at generated index <paramref name="index"/> (position T0 + index).</summary>
    public void WriteGenerated(int layer, Tensor kv, long index)
    {
        if (index < 0 || index >= MaxNew) throw new InvalidOperationException($"KV cache overflow: generated index {index} outside 0..{MaxNew - 1}");
        using var slot = _generated[layer].narrow(3, index, 1); // [2, N·G, H, 1, hd] view
        slot.copy_(kv);
    }

    /// <summary>Prefix keys and values: views [N, H, T0, hd].</summary>
    public (Tensor Keys, Tensor Values) Prefix(int layer) => (_prefix[layer][0], _prefix[layer][1]);

    /// <summary>Keys and values of generated indices 0..length-1: views [N·G, H, length, hd].</summary>
    public (Tensor Keys, Tensor Values) Generated(int layer, long length)
    {
        using var span = _generated[layer].narrow(3, 0, length);
        return (span[0], span[1]);
    }

    /// <summary>The whole prefix store [2, N, H, T0, hd] of a layer, for <see cref="DecodeAttentionKernel"/> (reads it by pointer).</summary>
    internal Tensor PrefixStore(int layer) => _prefix[layer];

    /// <summary>The whole generated store [2, N·G, H, maxNew, hd] of a layer, for <see cref="DecodeAttentionKernel"/> (writes the new token, reads the written ones).</summary>
    internal Tensor GeneratedStore(int layer) => _generated[layer];

    public void Dispose()
    {
        foreach (var t in _prefix) t.Dispose();
        foreach (var t in _generated) t.Dispose();
    }
}
