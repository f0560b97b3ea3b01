using Vrm.Protos.Reward;

namespace Vrm.Rewards.Service;

/// <summary>Checks a Score request against <see cref="RewardServiceOptions"/>; the problem names the offending field.</summary>
public static class ScoreRequestValidator
{
    /// <summary>The first problem found, e.g. "items[3].completion: 2000000 chars, the limit is 1048576", or null.</summary>
    public static string? FindProblem(ScoreRequest request, RewardServiceOptions limits)
    {
        if (request.Items.Count > limits.MaxItems)
            return $"items: {request.Items.Count} items, the limit is {limits.MaxItems}";
        long total = 0;
        for (int i = 0; i < request.Items.Count; i++)
        {
            var item = request.Items[i];
            if (item.Completion.Length > limits.MaxCompletionChars)
                return $"items[{i}].completion: {item.Completion.Length} chars, the limit is {limits.MaxCompletionChars}";
            if (item.Solution.Length > limits.MaxSolutionChars)
                return $"items[{i}].solution: {item.Solution.Length} chars, the limit is {limits.MaxSolutionChars}";
            if (item.Reference.Length > limits.MaxSolutionChars)
                return $"items[{i}].reference: {item.Reference.Length} chars, the limit is {limits.MaxSolutionChars}";
            if (item.Task.Length > limits.MaxTaskChars)
                return $"items[{i}].task: {item.Task.Length} chars, the limit is {limits.MaxTaskChars}";
            total += item.Completion.Length + item.Solution.Length + item.Task.Length + item.Reference.Length;
        }
        if (total > limits.MaxBatchChars)
            return $"items: {total} chars in total, the batch limit is {limits.MaxBatchChars}";
        if (request.Weights is { } weights)
        {
            if (weights.HasAccuracy && RewardWeights.Problem(weights.Accuracy) is { } accuracyProblem)
                return $"weights.accuracy: {accuracyProblem}";
            if (weights.HasFormat && RewardWeights.Problem(weights.Format) is { } formatProblem)
                return $"weights.format: {formatProblem}";
            if (weights.HasConsistency && RewardWeights.Problem(weights.Consistency) is { } consistencyProblem)
                return $"weights.consistency: {consistencyProblem}";
            if (weights.HasGrounding && RewardWeights.Problem(weights.Grounding) is { } groundingProblem)
                return $"weights.grounding: {groundingProblem}";
        }
        return null;
    }
}
