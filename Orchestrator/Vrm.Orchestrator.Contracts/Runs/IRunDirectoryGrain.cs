using Orleans.Concurrency;

namespace Vrm.Orchestrator.Contracts.Runs;

/// <summary>One row of the run directory (enough to list and filter without activating every run grain).</summary>
[GenerateSerializer, Immutable]
public sealed record RunEntry(
    [property: Id(0)] string RunId,
    [property: Id(1)] string Name,
    [property: Id(2)] RunStatus Status,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] string? LearnerId);

[GenerateSerializer, Immutable]
public sealed record RunListPage(
    [property: Id(0)] RunEntry[] Runs,
    // Pass back to get the next page; null on the last page.
    [property: Id(1)] string? NextPageToken,
    [property: Id(2)] int TotalMatching);

/// <summary>
/// All runs of the cluster (one grain, key <see cref="DefaultKey"/>): submission with idempotency keys,
/// listing with a status filter and paging, the hand-off of PENDING runs to waiting learners, and the
/// list of RUNNING runs that workers lease from.
/// </summary>
public interface IRunDirectoryGrain : IGrainWithStringKey
{
    public const string DefaultKey = "cluster";
    public const int MaxPageSize = 500;

    /// <summary>
    /// Create a run (id generated when <paramref name="runId"/> is null). The same non-empty idempotency key
    /// always returns the run it first created, never a second one. Bad spec → ArgumentException naming the field.
    /// </summary>
    Task<RunSnapshot> Submit(RunSpec spec, string? runId);

    /// <summary>Oldest first. Empty <paramref name="statuses"/> = all. Bad page size/token → ArgumentException.</summary>
    Task<RunListPage> List(RunStatus[] statuses, int pageSize, string? pageToken);

    /// <summary>
    /// A learner waiting for work: returns the non-terminal run it already holds (restart), else the oldest
    /// PENDING run, which becomes RUNNING and is bound to this learner; null when there is none.
    /// </summary>
    Task<RunSnapshot?> ClaimPendingRun(string learnerId);

    /// <summary>RUNNING runs (paused ones excluded): where workers look for assignments.</summary>
    Task<string[]> ActiveRuns();

    /// <summary>The run grain tells the directory its status changed (one-way: never waits, so no call cycle).</summary>
    [OneWay]
    Task StatusChanged(string runId, RunStatus status);
}
