using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// The layout of N prompts × G completions for a teacher-forced forward that runs each prompt's prefix once
/// (<see cref="VrmModel.ForwardGrouped"/>): the prefix rows <c>[pad… BOS, visual×P, prompt]</c> as in
/// <see cref="SequenceLayout"/> (left-padded to T0), and the completion rows' inputs, tokens 0..Tc−2 at positions
/// T0..T0+Tc−2. GRPO scores every group this way: its G completions share one image and prompt, and the prefix
/// (~75 of ~100 positions here) is most of each row, so running it once per prompt instead of once per row
/// removes most of the forward and backward work of the reference and policy passes.
/// </summary>
public sealed class GroupedLayout : IDisposable
{
    /// <param name="promptIds">N prompts (text tokens after BOS and the image placeholder).</param>
    /// <param name="completionIds">N·G completions, prompt-major: row p·G + j is prompt p's j-th completion; each non-empty.</param>
    public GroupedLayout(IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds, int group,
        int visualTokens, int bosId, int padId, int vocabSize, Device device)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(completionIds);
        if (group < 1) throw new ArgumentException($"group size ({group}) must be >= 1");
        if (completionIds.Count != promptIds.Count * group)
            throw new ArgumentException($"{completionIds.Count} completions for {promptIds.Count} prompts × {group}");
        for (int r = 0; r < completionIds.Count; r++)
        {
            if (completionIds[r] is not { Length: > 0 } c) throw new ArgumentException($"completion {r} is null or empty");
            foreach (int id in c)
                if (id < 0 || id >= vocabSize) throw new ArgumentException($"completion {r} token {id} is outside the vocabulary [0, {vocabSize})");
        }
        Prefix = new SequenceLayout(promptIds, null, visualTokens, bosId, padId, vocabSize, device);
        Group = group;
        Rows = completionIds.Count;
        CompletionLength = completionIds.Max(c => c.Length);
        InputLength = CompletionLength - 1;
        int t0 = Prefix.PromptEnd, tc = CompletionLength, lc = InputLength;

        var inputs = new long[Rows * Math.Max(lc, 1)];
        var targets = new long[Rows * tc];
        var mask = new float[Rows * tc];
        Array.Fill(inputs, padId);
        Array.Fill(targets, padId);
        for (int r = 0; r < Rows; r++)
        {
            var c = completionIds[r];
            for (int j = 0; j < c.Length; j++)
            {
                targets[r * tc + j] = c[j];
                mask[r * tc + j] = 1f;
                if (j < lc) inputs[r * lc + j] = c[j];
            }
        }
        Targets = tensor(targets, [Rows, tc], device: device);
        CompletionMask = tensor(mask, [Rows, tc], device: device);
        if (lc > 0)
        {
            Inputs = tensor(inputs, [Rows, lc], device: device);
            // Completion queries see their prompt's prefix (without its left pads) and the completion causally.
            int keys = t0 + lc;
            var allowed = new bool[Rows * lc * keys];
            for (int r = 0; r < Rows; r++)
            {
                int pad = Prefix.LeftPad[r / group];
                for (int q = 0; q < lc; q++)
                {
                    int at = (r * lc + q) * keys;
                    for (int k = pad; k < t0 + q + 1; k++) allowed[at + k] = true;
                }
            }
            CompletionAttentionMask = tensor(allowed, [Rows, 1, lc, keys], device: device);
        }
    }

    /// <summary>The N prefix rows, laid out as <see cref="SequenceLayout"/> lays out prompts without completions.</summary>
    public SequenceLayout Prefix { get; }
    /// <summary>G: completions per prompt.</summary>
    public int Group { get; }
    /// <summary>N·G completion rows.</summary>
    public int Rows { get; }
    /// <summary>Tc: longest completion.</summary>
    public int CompletionLength { get; }
    /// <summary>Lc = Tc − 1: completion tokens fed as inputs (the last is only predicted).</summary>
    public int InputLength { get; }
    /// <summary>[N·G, Lc] int64 completion input tokens (pad beyond a row's end); null when Lc = 0.</summary>
    public Tensor? Inputs { get; }
    /// <summary>[N·G, 1, Lc, T0 + Lc] bool (true = may attend): prefix keys after the row's left pads, completion keys causally; null when Lc = 0.</summary>
    public Tensor? CompletionAttentionMask { get; }
    /// <summary>[N·G, Tc] int64 completion tokens (pad beyond each row's end).</summary>
    public Tensor Targets { get; }
    /// <summary>[N·G, Tc] float 1 on real completion tokens, 0 on padding.</summary>
    public Tensor CompletionMask { get; }

    public void Dispose()
    {
        Prefix.Dispose(); Inputs?.Dispose(); CompletionAttentionMask?.Dispose(); Targets.Dispose(); CompletionMask.Dispose();
    }
}
