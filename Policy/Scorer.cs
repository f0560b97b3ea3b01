using TorchSharp;
using static TorchSharp.torch;

namespace Vrm.Policy;

/// <summary>
/// Per-token log-probs and entropies of given completions in one batched, teacher-forced forward
/// (GRPO's π_θ, π_ref and the KL/entropy metrics). With gradients for the learner's loss, without for
/// the reference model and for metrics.
/// </summary>
public static class Scorer
{
    /// <param name="images">[N, 3, H, W] float 0..1, one per row.</param>
    /// <param name="promptIds">N prompts (text tokens after BOS and the image placeholder).</param>
    /// <param name="completionIds">N completions as sampled (a final stop/EOS token included).</param>
    /// <param name="temperature">divides the logits, as in sampling; 1 = the model's own distribution.</param>
    /// <param name="bosId">BOS token id; <paramref name="padId"/> fills padding.</param>
    public static TokenScores Score(VrmModel model, Tensor images, IReadOnlyList<int[]> promptIds,
        IReadOnlyList<int[]> completionIds, bool withGrad, float temperature = 1f, int bosId = 1, int padId = 0)
    {
        CheckInputs(model, images, promptIds, completionIds, temperature, "rows");
        if (completionIds.Any(c => c is not null && c.Length == 0))
            throw new ArgumentException("every completion must have at least one token");

        using var scope = NewDisposeScope();
        using var grad = withGrad ? enable_grad() : no_grad();
        using var layout = model.Layout(promptIds, completionIds, bosId, padId);
        if (layout.Length > model.Config.LanguageModel.MaxSeqLen)
            throw new ArgumentException($"prompt + completion of {layout.Length} positions exceeds lm MaxSeqLen {model.Config.LanguageModel.MaxSeqLen}");
        var logits = model.Forward(images, layout);                            // [N, Tc, V]
        return Scores(logits, layout.Targets, layout.CompletionMask, temperature);
    }

    /// <summary>
    /// <see cref="Score"/> for N prompts × <paramref name="group"/> completions, each prompt's image and prefix run once
    /// (<see cref="VrmModel.ForwardGrouped"/>): the same scores to float rounding, for a fraction of the work when the
    /// prefix is most of each row (GRPO's groups).
    /// </summary>
    /// <param name="images">[N, 3, H, W] float 0..1, one per prompt.</param>
    /// <param name="promptIds">N prompts.</param>
    /// <param name="completionIds">N·G completions, prompt-major (row p·G + j belongs to prompt p).</param>
    /// <returns>scores [N·G, Tc].</returns>
    public static TokenScores ScoreGrouped(VrmModel model, Tensor images, IReadOnlyList<int[]> promptIds,
        IReadOnlyList<int[]> completionIds, int group, bool withGrad, float temperature = 1f, int bosId = 1, int padId = 0)
    {
        CheckInputs(model, images, promptIds, completionIds, temperature, "prompts");

        using var scope = NewDisposeScope();
        using var grad = withGrad ? enable_grad() : no_grad();
        using var layout = model.GroupedLayout(promptIds, completionIds, group, bosId, padId);
        if (layout.Prefix.PromptEnd + layout.InputLength > model.Config.LanguageModel.MaxSeqLen)
            throw new ArgumentException($"prompt + completion of {layout.Prefix.PromptEnd + layout.InputLength} positions exceeds lm MaxSeqLen {model.Config.LanguageModel.MaxSeqLen}");
        var logits = model.ForwardGrouped(images, layout);                     // [NG, Tc, V]
        return Scores(logits, layout.Targets, layout.CompletionMask, temperature);
    }

    /// <summary>What both scorers require: a model, one image per prompt (<paramref name="unit"/> names what N counts), a finite temperature > 0.</summary>
    private static void CheckInputs(VrmModel model, Tensor images, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds, float temperature, string unit)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(completionIds);
        if (!(temperature > 0) || float.IsInfinity(temperature)) throw new ArgumentException($"temperature ({temperature}) must be a finite number > 0");
        if (images.dim() != 4 || images.shape[0] != promptIds.Count)
            throw new ArgumentException($"images [{string.Join(", ", images.shape)}] must be [N, C, H, W] with N = {promptIds.Count} {unit}");
    }

    /// <summary>Token log-probs and entropies of <paramref name="targets"/> under <paramref name="logits"/> [R, Tc, V]; moved out of the caller's scope.</summary>
    private static TokenScores Scores(Tensor logits, Tensor targets, Tensor mask, float temperature)
    {
        if (temperature != 1f) logits = logits.div(temperature);
        var logp = logits.log_softmax(-1);                                      // [R, Tc, V]
        var tokenLogp = logp.gather(2, targets.unsqueeze(-1)).squeeze(-1).mul(mask); // [R, Tc]
        var entropy = logp.exp().mul(logp).sum(-1).neg().mul(mask);             // [R, Tc]
        return new TokenScores(tokenLogp.MoveToOuterDisposeScope(), entropy.MoveToOuterDisposeScope(), mask.clone().MoveToOuterDisposeScope());
    }
}
