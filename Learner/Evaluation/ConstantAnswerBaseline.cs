using Vrm.Data;

namespace Vrm.Learner.Evaluation;

/// <summary>
/// What a policy scores by answering one thing to every question: the most common answer in the training split,
/// measured on the same held-out examples the evaluator uses. A learning gain means little unless the policy ends
/// above this line (before the count labels were balanced, "1" alone scored 50 % on test count).
/// </summary>
public sealed record ConstantAnswerBaseline(string Answer, double TrainShare, IReadOnlyDictionary<string, double> AccuracyBySplit)
{
    public static ConstantAnswerBaseline Measure(string dataDir, IReadOnlyCollection<string> tasks, int evalLimit)
    {
        var train = DatasetReader.Load(dataDir, new DatasetLoadOptions { Split = "train", Tasks = tasks, VerifyImages = false }).Examples;
        if (train.Count == 0) throw new InvalidDataException($"{dataDir}: no train examples for tasks [{string.Join(", ", tasks)}]");
        var top = train.GroupBy(e => e.Answer).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        var accuracy = new Dictionary<string, double>();
        foreach (var split in new[] { "test", "ood" })
        {
            var held = DatasetReader.Load(dataDir, new DatasetLoadOptions { Split = split, Tasks = tasks, VerifyImages = false }).Examples.Take(evalLimit).ToList();
            if (held.Count > 0) accuracy[split] = held.Count(e => e.Answer == top.Key) / (double)held.Count;
        }
        return new ConstantAnswerBaseline(top.Key, top.Count() / (double)train.Count, accuracy);
    }

    /// <summary>One line for a console: the answer, its share of train, and its accuracy per held-out split.</summary>
    public string Describe() =>
        $"answering \"{Answer}\" to everything (the most common train answer, {TrainShare:P1} of train) scores " +
        string.Join(", ", AccuracyBySplit.Select(kv => $"{kv.Key} {kv.Value:P1}"));
}
