namespace Vrm.Rewards;

/// <summary>
/// The four tags of the R1 output format. Matched exactly and case-sensitively, as R1-V's
/// <c>&lt;answer&gt;(.*?)&lt;/answer&gt;</c> does: "&lt;Answer&gt;" or "&lt;answer x&gt;" is plain text.
/// </summary>
public static class Tags
{
    public const string ThinkOpen = "<think>";
    public const string ThinkClose = "</think>";
    public const string AnswerOpen = "<answer>";
    public const string AnswerClose = "</answer>";
}
