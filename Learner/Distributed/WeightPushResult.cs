namespace Vrm.Learner.Distributed;

/// <summary>Where the learner pushes weights: a registered worker's WeightSync endpoint.</summary>
public sealed record WeightSyncTarget(string WorkerId, Uri Endpoint);

/// <summary>One worker's outcome: the reply's version on success, else the last error (status and the worker's message).</summary>
public sealed record WorkerPushResult(string WorkerId, bool Succeeded, int Attempts, double Seconds, long BytesSent,
    string? Error, bool AlreadyCurrent = false);

/// <summary>A push of one version to every target, in parallel.</summary>
public sealed record WeightPushResult(long Version, IReadOnlyList<WorkerPushResult> Workers, double TotalSeconds)
{
    public bool AllSucceeded => Workers.All(w => w.Succeeded);
    public IEnumerable<WorkerPushResult> Failed => Workers.Where(w => !w.Succeeded);
}
