namespace Vrm.Rewards;

/// <summary>Why a reward component has the value it has. Mirrored one-to-one by <c>vrm.reward.RewardReason</c>.</summary>
public enum RewardReason
{
    /// <summary>Correct answer / well-formed completion.</summary>
    Ok,
    /// <summary>The answer was found and compared, and it differs from the reference.</summary>
    WrongAnswer,
    /// <summary>No <c>&lt;answer&gt;</c> tag anywhere in the completion.</summary>
    NoAnswerTag,
    /// <summary>An <c>&lt;answer&gt;</c> tag with no <c>&lt;/answer&gt;</c> after it.</summary>
    UnclosedAnswerTag,
    /// <summary>The answer block holds only whitespace.</summary>
    EmptyAnswer,
    /// <summary>The reference is a number and the answer does not parse as one.</summary>
    NotANumber,
    /// <summary>The reference solution is empty or has an unclosed answer tag: a data problem, not the model's.</summary>
    InvalidSolution,
    /// <summary>Format: one of the four tags is absent.</summary>
    MissingTags,
    /// <summary>Format: a tag occurs more than once (repeated or nested blocks).</summary>
    RepeatedTags,
    /// <summary>Format: each tag once, but not in the order think-open, think-close, answer-open, answer-close.</summary>
    TagsOutOfOrder,
    /// <summary>Format: something other than whitespace before, between or after the two blocks.</summary>
    TextOutsideTags,
    /// <summary>Scoring the item took longer than the time bound; every component is 0.</summary>
    OverTimeBound,
    /// <summary>Consistency: the reasoning does not end in a count claim <c>…; label: n</c>.</summary>
    NotACountTrace,
    /// <summary>Consistency: the claimed count is not the number of listed items the label selects, or the answer is not that count.</summary>
    Inconsistent,
    /// <summary>Grounding: the example carries no reference count trace to check the listing against (score 0 for every completion).</summary>
    NoReferenceTrace,
    /// <summary>Grounding: the listed objects are not exactly the annotated ones (the score is the share matched).</summary>
    Ungrounded,
}
