using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// How a batch of rows is laid out for the LM: <c>[pad… BOS, visual×P, prompt, completion, pad…]</c>.
/// Prompts are left-padded so every row's prompt ends at the same index T0 — then one slice holds every
/// row's completion logits, and the sampler's first new token sits at the same index in every row.
/// Left pads are masked out as keys; right pads come after everything a row needs.
/// </summary>
/// <remarks>
/// The prompt template's <c>&lt;image&gt;</c> placeholder sits right after BOS and expands to the P
/// visual tokens; <c>promptIds</c> are the text tokens after it. Visual slots hold the pad id in
/// <see cref="Ids"/> and are overwritten by the projected image features in <see cref="VrmModel.Embed"/>.
/// </remarks>
public sealed class SequenceLayout : IDisposable
{
    public SequenceLayout(IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]>? completionIds,
        int visualTokens, int bosId, int padId, int vocabSize, Device device)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        int rows = promptIds.Count;
        if (rows == 0) throw new ArgumentException("no prompts given");
        if (completionIds is not null && completionIds.Count != rows)
            throw new ArgumentException($"{completionIds.Count} completions for {rows} prompts");
        CheckIds(bosId, vocabSize, "BOS id");
        CheckIds(padId, vocabSize, "pad id");
        for (int r = 0; r < rows; r++)
        {
            if (promptIds[r] is null) throw new ArgumentException($"prompt {r} is null");
            foreach (int id in promptIds[r]) CheckIds(id, vocabSize, $"prompt {r} token");
            if (completionIds is not null)
            {
                if (completionIds[r] is null) throw new ArgumentException($"completion {r} is null");
                foreach (int id in completionIds[r]) CheckIds(id, vocabSize, $"completion {r} token");
            }
        }

        Rows = rows;
        VisualTokens = visualTokens;
        var prefixLen = promptIds.Select(p => 1 + visualTokens + p.Length).ToArray();
        PromptEnd = prefixLen.Max();
        CompletionLength = completionIds is null ? 0 : Math.Max(0, completionIds.Max(c => c.Length));
        // The last completion token is never an input: it is only predicted.
        Length = PromptEnd + Math.Max(0, CompletionLength - 1);
        LeftPad = prefixLen.Select(n => PromptEnd - n).ToArray();

        var ids = new long[rows * Length];
        var visual = new bool[rows * Length];
        var targets = new long[rows * Math.Max(CompletionLength, 1)];
        var completionMask = new float[rows * Math.Max(CompletionLength, 1)];
        Array.Fill(ids, padId);
        Array.Fill(targets, padId);
        for (int r = 0; r < rows; r++)
        {
            int at = r * Length + LeftPad[r];
            ids[at] = bosId;
            for (int p = 0; p < visualTokens; p++) visual[at + 1 + p] = true;
            int pos = at + 1 + visualTokens;
            foreach (int id in promptIds[r]) ids[pos++] = id;
            if (completionIds is null) continue;
            var c = completionIds[r];
            for (int j = 0; j < c.Length; j++)
            {
                if (PromptEnd + j < Length) ids[r * Length + PromptEnd + j] = c[j];
                targets[r * CompletionLength + j] = c[j];
                completionMask[r * CompletionLength + j] = 1f;
            }
        }
        Ids = tensor(ids, [rows, Length], device: device);
        VisualMask = tensor(visual, [rows, Length], device: device);
        Targets = tensor(targets, [rows, Math.Max(CompletionLength, 1)], device: device);
        CompletionMask = tensor(completionMask, [rows, Math.Max(CompletionLength, 1)], device: device);
        if (CompletionLength == 0)
        {
            Targets = Targets.narrow(1, 0, 0);
            CompletionMask = CompletionMask.narrow(1, 0, 0);
        }
        AttentionMask = LeftPad.All(p => p == 0) ? null : BuildMask(LeftPad, Length, device);
    }

    public int Rows { get; }
    public int VisualTokens { get; }
    /// <summary>Sequence length fed to the LM.</summary>
    public int Length { get; }
    /// <summary>T0: index of the first completion token (= length of the left-padded prefix).</summary>
    public int PromptEnd { get; }
    /// <summary>Tc: longest completion.</summary>
    public int CompletionLength { get; }
    /// <summary>Pads before each row's BOS.</summary>
    public int[] LeftPad { get; }
    /// <summary>[B, T] int64 token ids (pad id at pads and visual slots).</summary>
    public Tensor Ids { get; }
    /// <summary>[B, T] bool: true at the P visual slots of each row.</summary>
    public Tensor VisualMask { get; }
    /// <summary>[B, 1, T, T] bool (true = may attend), or null when no row is padded (plain causal).</summary>
    public Tensor? AttentionMask { get; }
    /// <summary>[B, Tc] int64 completion tokens (pad beyond each row's end).</summary>
    public Tensor Targets { get; }
    /// <summary>[B, Tc] float 1 on real completion tokens, 0 on padding.</summary>
    public Tensor CompletionMask { get; }

    /// <summary>Causal mask that also hides each row's left pads; a pad query may see itself so no softmax row is empty (NaN).</summary>
    internal static Tensor BuildMask(int[] leftPad, int length, Device device)
    {
        int rows = leftPad.Length;
        var m = new bool[rows * length * length];
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < length; q++)
                for (int k = 0; k <= q; k++)
                    m[(r * length + q) * length + k] = k >= leftPad[r] || k == q;
        return tensor(m, [rows, 1, length, length], device: device);
    }

    private static void CheckIds(int id, int vocab, string what)
    {
        if (id < 0 || id >= vocab) throw new ArgumentException($"{what} {id} is outside the vocabulary [0, {vocab})");
    }

    public void Dispose()
    {
        Ids.Dispose(); VisualMask.Dispose(); AttentionMask?.Dispose(); Targets.Dispose(); CompletionMask.Dispose();
    }
}
