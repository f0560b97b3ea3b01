using Proto = Vrm.Protos.Reward;

namespace Vrm.Rewards.Service;

/// <summary>Conversions between the domain types and the <c>vrm.reward</c> messages, used by both service and client.</summary>
public static class RewardProtoMapping
{
    public static Proto.RewardReason ToProto(this RewardReason reason) => reason switch
    {
        RewardReason.Ok => Proto.RewardReason.Ok,
        RewardReason.WrongAnswer => Proto.RewardReason.WrongAnswer,
        RewardReason.NoAnswerTag => Proto.RewardReason.NoAnswerTag,
        RewardReason.UnclosedAnswerTag => Proto.RewardReason.UnclosedAnswerTag,
        RewardReason.EmptyAnswer => Proto.RewardReason.EmptyAnswer,
        RewardReason.NotANumber => Proto.RewardReason.NotANumber,
        RewardReason.InvalidSolution => Proto.RewardReason.InvalidSolution,
        RewardReason.MissingTags => Proto.RewardReason.MissingTags,
        RewardReason.RepeatedTags => Proto.RewardReason.RepeatedTags,
        RewardReason.TagsOutOfOrder => Proto.RewardReason.TagsOutOfOrder,
        RewardReason.TextOutsideTags => Proto.RewardReason.TextOutsideTags,
        RewardReason.OverTimeBound => Proto.RewardReason.OverTimeBound,
        RewardReason.NotACountTrace => Proto.RewardReason.NotACountTrace,
        RewardReason.Inconsistent => Proto.RewardReason.Inconsistent,
        RewardReason.NoReferenceTrace => Proto.RewardReason.NoReferenceTrace,
        RewardReason.Ungrounded => Proto.RewardReason.Ungrounded,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "no proto value for this reward reason"),
    };

    public static RewardReason FromProto(this Proto.RewardReason reason) => reason switch
    {
        Proto.RewardReason.Ok => RewardReason.Ok,
        Proto.RewardReason.WrongAnswer => RewardReason.WrongAnswer,
        Proto.RewardReason.NoAnswerTag => RewardReason.NoAnswerTag,
        Proto.RewardReason.UnclosedAnswerTag => RewardReason.UnclosedAnswerTag,
        Proto.RewardReason.EmptyAnswer => RewardReason.EmptyAnswer,
        Proto.RewardReason.NotANumber => RewardReason.NotANumber,
        Proto.RewardReason.InvalidSolution => RewardReason.InvalidSolution,
        Proto.RewardReason.MissingTags => RewardReason.MissingTags,
        Proto.RewardReason.RepeatedTags => RewardReason.RepeatedTags,
        Proto.RewardReason.TagsOutOfOrder => RewardReason.TagsOutOfOrder,
        Proto.RewardReason.TextOutsideTags => RewardReason.TextOutsideTags,
        Proto.RewardReason.OverTimeBound => RewardReason.OverTimeBound,
        Proto.RewardReason.NotACountTrace => RewardReason.NotACountTrace,
        Proto.RewardReason.Inconsistent => RewardReason.Inconsistent,
        Proto.RewardReason.NoReferenceTrace => RewardReason.NoReferenceTrace,
        Proto.RewardReason.Ungrounded => RewardReason.Ungrounded,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown reward reason from the reward service (client older than server?)"),
    };

    public static Proto.ItemScore ToProto(this RewardBreakdown b) => new()
    {
        Correctness = b.Correctness,
        Format = b.Format,
        Total = b.Total,
        Reason = b.Reason.ToProto(),
        CorrectnessReason = b.CorrectnessReason.ToProto(),
        FormatReason = b.FormatReason.ToProto(),
        Consistency = b.Consistency,
        ConsistencyReason = b.ConsistencyReason.ToProto(),
        Grounding = b.Grounding,
        GroundingReason = b.GroundingReason.ToProto(),
    };

    public static RewardBreakdown FromProto(this Proto.ItemScore s) =>
        new(s.Correctness, s.Format, s.Total, s.Reason.FromProto(), s.CorrectnessReason.FromProto(), s.FormatReason.FromProto(),
            s.Consistency, s.ConsistencyReason.FromProto(), s.Grounding, s.GroundingReason.FromProto());

    public static Proto.RewardWeights ToProto(this RewardWeights w) => new() { Accuracy = w.Accuracy, Format = w.Format, Consistency = w.Consistency, Grounding = w.Grounding };

    /// <summary>Request weights merged over <paramref name="defaults"/>: an unset field keeps its default.</summary>
    public static RewardWeights MergeOver(this Proto.RewardWeights? w, RewardWeights defaults) =>
        w is null ? defaults : new RewardWeights(w.HasAccuracy ? w.Accuracy : defaults.Accuracy, w.HasFormat ? w.Format : defaults.Format,
            w.HasConsistency ? w.Consistency : defaults.Consistency, w.HasGrounding ? w.Grounding : defaults.Grounding);

    public static Proto.ScoreItem ToProto(this RewardItem item) =>
        new() { Completion = item.Completion, Solution = item.Solution, Task = item.Task, Reference = item.Reference ?? "" };
}
