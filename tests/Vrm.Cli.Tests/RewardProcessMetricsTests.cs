using System.Diagnostics;
using System.Text.RegularExpressions;
using Grpc.Core;
using Vrm.Rewards;
using Vrm.Rewards.Service;

namespace Vrm.Cli.Tests;

/// <summary>
/// A real <c>vrm reward</c> process (vrm.dll from this test's output folder) with --http-port: after real Score calls
/// over gRPC, its /metrics carries the reward role's series with the counts of those calls, and /healthz answers.
/// </summary>
public sealed class RewardProcessMetricsTests
{
    [Fact]
    public async Task Reward_process_serves_metrics_that_count_its_score_calls()
    {
        int httpPort = PrometheusText.FreePort();
        using var reward = RoleProcess.Start("reward", "--port", "0", "--loopback", "--http-port", httpPort.ToString(), "--max-items", "4");
        string ready = await reward.WaitForLine("vrm reward: serving", TimeSpan.FromSeconds(60));
        int grpcPort = int.Parse(Regex.Match(ready, @"on port (\d+) \(HTTP/2").Groups[1].Value);
        Assert.Contains($"/metrics and /healthz on port {httpPort}", ready);

        using var client = new RewardClient(new Uri($"http://127.0.0.1:{grpcPort}"));
        var scores = await client.ScoreAsync([
            new RewardItem("<think>two and one</think><answer>3</answer>", "<answer>3</answer>", "count"),
            new RewardItem("<think>hmm</think><answer>5</answer>", "<answer>3</answer>", "count"),
            new RewardItem("<think>" + new string('x', 100_000) + "</think><answer>4</answer>", "<answer>3</answer>", "count"),
        ], timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1.0, scores[0].Correctness);
        Assert.Equal(0.0, scores[1].Correctness);
        Assert.Equal(0.0, scores[2].Correctness);
        var tooMany = await Assert.ThrowsAsync<RpcException>(() => client.ScoreAsync(
            Enumerable.Range(0, 5).Select(_ => new RewardItem("<answer>1</answer>", "<answer>1</answer>", "count")).ToArray()));
        Assert.Equal(StatusCode.InvalidArgument, tooMany.StatusCode);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        // The exporter serves a cached scrape for a short while: poll until this process's calls are in it.
        string metrics = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            metrics = await http.GetStringAsync("/metrics");
            if (PrometheusText.Value(metrics, "vrm_reward_requests_total", ("status", "invalid_argument")) is not null) break;
            await Task.Delay(300);
        }
        Assert.Equal(1, PrometheusText.Value(metrics, "vrm_reward_requests_total", ("status", "ok")));
        Assert.Equal(1, PrometheusText.Value(metrics, "vrm_reward_requests_total", ("status", "invalid_argument")));
        Assert.Equal(3, PrometheusText.Value(metrics, "vrm_reward_items_scored_total"));
        // No item came near the 100 ms CPU-time bound (the counting of hits is covered in Vrm.Rewards.Tests).
        Assert.Null(PrometheusText.Value(metrics, "vrm_reward_time_bound_hits_total"));
        Assert.Equal(1, PrometheusText.Value(metrics, "vrm_reward_request_duration_seconds_count", ("status", "ok")));
        Assert.True(PrometheusText.Value(metrics, "vrm_reward_request_duration_seconds_sum", ("status", "ok")) > 0);
        Assert.Contains("# TYPE vrm_reward_items_scored_total counter", metrics);
        Assert.Contains("target_info{", metrics); // the OpenTelemetry resource: service name vrm-reward
        Assert.Contains("vrm-reward", metrics);
    }

    [Fact]
    public async Task Bad_http_port_is_refused_with_a_message_naming_it()
    {
        using var reward = RoleProcess.Start("reward", "--port", "0", "--loopback", "--http-port", "70000");
        Assert.Equal(2, await reward.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Contains("--http-port: 70000 is not a port", reward.Output);
    }
}
