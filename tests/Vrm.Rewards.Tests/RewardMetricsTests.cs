using System.Diagnostics.Metrics;
using Vrm.Protos.Reward;
using Vrm.Rewards.Service;

namespace Vrm.Rewards.Tests;

/// <summary>The RewardService records what it scored: items, CPU-time-bound hits, requests by status, latency.</summary>
public sealed class RewardMetricsTests
{
    [Fact]
    public async Task Score_records_items_time_bound_hits_and_requests()
    {
        var seen = new Dictionary<string, long>();
        int durations = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter.Name == RewardMetrics.MeterName) l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) =>
        {
            string key = i.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}"));
            lock (seen) seen[key] = seen.GetValueOrDefault(key) + value;
        });
        listener.SetMeasurementEventCallback<double>((i, _, _, _) => { if (i.Name == "vrm_reward_request_duration_seconds") Interlocked.Increment(ref durations); });
        listener.Start();

        // A zero bound expires at the scanner's first poll: the long item is abandoned (the service's own options
        // refuse a zero bound, so the service is built directly here); short items are never polled.
        var service = new RewardGrpcService(new RewardServiceOptions { ItemTimeBound = TimeSpan.Zero, MaxItems = 3 });
        var request = new ScoreRequest();
        request.Items.Add(new ScoreItem { Completion = "<think>a</think><answer>3</answer>", Solution = "<answer>3</answer>", Task = "count" });
        request.Items.Add(new ScoreItem { Completion = "<think>" + new string('x', 200_000) + "</think><answer>3</answer>", Solution = "<answer>3</answer>", Task = "count" });
        var response = await service.Score(request, null!);
        Assert.Equal(2, response.Items.Count);

        var tooMany = new ScoreRequest();
        for (int i = 0; i < 4; i++) tooMany.Items.Add(new ScoreItem { Completion = "<answer>1</answer>", Solution = "<answer>1</answer>", Task = "count" });
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => service.Score(tooMany, null!));

        lock (seen)
        {
            // Other tests in this process may score too: counts are at least this test's.
            Assert.True(seen.GetValueOrDefault("vrm_reward_items_scored_total") >= 2);
            Assert.True(seen.GetValueOrDefault("vrm_reward_time_bound_hits_total") >= 1);
            Assert.True(seen.GetValueOrDefault("vrm_reward_requests_total|status=ok") >= 1);
            Assert.True(seen.GetValueOrDefault("vrm_reward_requests_total|status=invalid_argument") >= 1);
        }
        Assert.True(durations >= 2);
    }
}
