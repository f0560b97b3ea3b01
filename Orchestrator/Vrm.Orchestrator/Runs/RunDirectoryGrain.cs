using System.Globalization;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Hosting;

namespace Vrm.Orchestrator.Runs;

/// <summary>What the run directory persists.</summary>
[GenerateSerializer]
public sealed class RunDirectoryState
{
    /// <summary>In submission order (paging is by position in this list).</summary>
    [Id(0)] public List<RunEntry> Runs { get; set; } = [];
    /// <summary>Idempotency key → run id: a retried SubmitRun never creates a second run.</summary>
    [Id(1)] public Dictionary<string, string> ByIdempotencyKey { get; set; } = [];
}

/// <summary>
/// The cluster's run list. Statuses here are a cache the run grains refresh (one-way
/// <see cref="IRunDirectoryGrain.StatusChanged"/>); the run grain stays the authority.
/// </summary>
public sealed class RunDirectoryGrain(
    [PersistentState("runs", OrchestratorHost.StorageName)] IPersistentState<RunDirectoryState> state) : Grain, IRunDirectoryGrain
{
    private RunDirectoryState S => state.State;

    public async Task<RunSnapshot> Submit(RunSpec spec, string? runId)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Validate() is { } error) throw new ArgumentException(error);
        if (!string.IsNullOrEmpty(spec.IdempotencyKey) && S.ByIdempotencyKey.TryGetValue(spec.IdempotencyKey, out var existing))
            return await GrainFactory.GetGrain<IRunGrain>(existing).Get();
        if (runId is not null && !IsValidRunId(runId))
            throw new ArgumentException($"run_id '{runId}' must be 1–64 characters of a-z, 0-9, '-', '_' or '.'");
        runId ??= NewRunId();
        if (S.Runs.Any(r => r.RunId == runId)) throw new InvalidOperationException($"run '{runId}' already exists");
        var snapshot = await GrainFactory.GetGrain<IRunGrain>(runId).Submit(spec);
        S.Runs.Add(new RunEntry(runId, spec.Name, snapshot.Status, DateTimeOffset.UtcNow, null));
        if (!string.IsNullOrEmpty(spec.IdempotencyKey)) S.ByIdempotencyKey[spec.IdempotencyKey] = runId;
        await state.WriteStateAsync();
        return snapshot;
    }

    public Task<RunListPage> List(RunStatus[] statuses, int pageSize, string? pageToken)
    {
        if (pageSize <= 0 || pageSize > IRunDirectoryGrain.MaxPageSize)
            throw new ArgumentException($"page_size must be in 1..{IRunDirectoryGrain.MaxPageSize} (got {pageSize})");
        var offset = 0;
        if (!string.IsNullOrEmpty(pageToken) && (!int.TryParse(pageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
            throw new ArgumentException($"page_token '{pageToken}' is not a token this server issued");
        var filter = statuses is { Length: > 0 } ? statuses.ToHashSet() : null;
        var matching = S.Runs.Where(r => filter is null || filter.Contains(r.Status)).ToList();
        var page = matching.Skip(offset).Take(pageSize).ToArray();
        var next = offset + page.Length < matching.Count ? (offset + page.Length).ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new RunListPage(page, next, matching.Count));
    }

    public async Task<RunSnapshot?> ClaimPendingRun(string learnerId)
    {
        if (string.IsNullOrWhiteSpace(learnerId)) throw new ArgumentException("learner id is empty");
        // A restarted learner gets its own unfinished run back before any new one.
        var held = S.Runs.FirstOrDefault(r => r.LearnerId == learnerId && !RunStatusMachine.IsTerminal(r.Status));
        if (held is not null) return await GrainFactory.GetGrain<IRunGrain>(held.RunId).Get();
        foreach (var entry in S.Runs.Where(r => r.Status == RunStatus.Pending && r.LearnerId is null).ToList())
        {
            var run = GrainFactory.GetGrain<IRunGrain>(entry.RunId);
            var current = await run.Get();
            if (current.Status != RunStatus.Pending) { Replace(entry.RunId, e => e with { Status = current.Status }); continue; }
            await run.Claim(learnerId);
            var started = await run.Start();
            Replace(entry.RunId, e => e with { Status = started.Status, LearnerId = learnerId });
            await state.WriteStateAsync();
            return started;
        }
        return null;
    }

    public Task<string[]> ActiveRuns() =>
        Task.FromResult(S.Runs.Where(r => r.Status == RunStatus.Running).Select(r => r.RunId).ToArray());

    public async Task StatusChanged(string runId, RunStatus status)
    {
        if (!Replace(runId, e => e with { Status = status })) return;
        await state.WriteStateAsync();
    }

    private bool Replace(string runId, Func<RunEntry, RunEntry> change)
    {
        var i = S.Runs.FindIndex(r => r.RunId == runId);
        if (i < 0) return false;
        S.Runs[i] = change(S.Runs[i]);
        return true;
    }

    public static bool IsValidRunId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');

    private static string NewRunId() => $"run-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}"[..32];
}
