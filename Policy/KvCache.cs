using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// Preallocated key/value cache for batched decoding: one [2, B, H, T_max, hd] tensor per layer,
/// written in place at the current position (no per-step concatenation or reallocation).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _layers; // each [2, B, H, T_max, hd]; slot 0 = keys, 1 = values

    public KvCache(int layers, long batch, int heads, long maxLen, int headDim, Device device)
    {
        Batch = batch;
        MaxLen = maxLen;
        _layers = new Tensor[layers];
        for (int l = 0; l < layers; l++)
            // empty, not zeros: every slot read was written first (reads stop at the written length).
            _layers[l] = empty([2, batch, heads, maxLen, headDim], dtype: float32, device: device);
    }

    public long Batch { get; }
    public long MaxLen { get; }

    /// <summary>
    /// Writes keys/values <paramref name="kv"/> [2, B_in, H, T, hd] at positions start..start+T-1.
    /// B_in may divide B: each input row then fills B / B_in consecutive cache rows (a prompt's group
    /// of samples shares its prefill).
    /// </summary>
    public void Write(int layer, Tensor kv, long start)
    {
        long t = kv.shape[3];
        if (start + t > MaxLen) throw new InvalidOperationException($"KV cache overflow: {start + t} > {MaxLen} positions");
        using var slot = _layers[layer].narrow(3, start, t); // [2, B, H, T, hd] view
        long bin = kv.shape[1];
        if (bin == Batch) { slot.copy_(kv); return; }
        if (Batch % bin != 0) throw new ArgumentException($"KV cache batch {Batch} is not a multiple of {bin}");
        // View the cache rows as [2, B_in, G, H, T, hd] and broadcast the prompt's keys over its group.
        using var grouped = slot.view(2, bin, Batch / bin, slot.shape[2], t, slot.shape[4]);
        using var src = kv.unsqueeze(2);
        grouped.copy_(src);
    }

    /// <summary>Keys and values of positions 0..length-1: views [B, H, length, hd].</summary>
    public (Tensor Keys, Tensor Values) Read(int layer, long length)
    {
        using var span = _layers[layer].narrow(3, 0, length);
        return (span[0], span[1]);
    }

    public void Dispose()
    {
        foreach (var t in _layers) t.Dispose();
    }
}
