using Orleans;
using Vrm.Policy;

namespace Vrm.Learner.Distributed;

/// <summary>
/// The learner's <see cref="IPolicyPublisher"/>: the new snapshot becomes what <see cref="WeightSourceServer"/>
/// serves to pulls (late or missed workers), then it is pushed to every alive registered worker in parallel.
/// A worker whose push failed after retries is reported; it will pull when the scheduler tells it it is behind.
/// </summary>
public sealed class ClusterPolicyPublisher(WeightSourceServer source, WeightPublisher publisher, Action<string> log) : IPolicyPublisher
{
    public WeightPushResult? LastPush { get; private set; }

    public double Publish(string runId, WeightSnapshot snapshot, bool push = true)
    {
        source.SetCurrent(snapshot, runId);
        if (!push) return 0;
        var result = publisher.PushAsync(snapshot, runId, CancellationToken.None).GetAwaiter().GetResult();
        LastPush = result;
        foreach (var failed in result.Failed)
            log($"learner: push of version {snapshot.Version} to {failed.WorkerId} failed after {failed.Attempts} attempts; it will pull");
        return result.TotalSeconds;
    }
}
