using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Tests.Fixtures;
using Xunit.Abstractions;
using Vrm.Tests.Shared;

namespace Vrm.Orchestrator.Tests;

/// <summary>
/// Cluster mode for real: two silo processes on one host sharing Redis for clustering, storage and
/// reminders. The silo hosting the run is killed with SIGKILL; the run (and its rollout schedule)
/// must carry on from the other silo. Needs VRM_TEST_REDIS (build/test.sh starts one); without a
/// reachable Redis this test fails — it is never skipped.
/// </summary>
public class RedisFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_silo_that_hosts_a_run_keeps_the_run_and_its_schedule()
    {
        var redis = TestRedis.Require();
        var clusterId = $"test-{Guid.NewGuid():N}";
        var gateways = new[] { EmbeddedSilo.FreePort(), EmbeddedSilo.FreePort() };
        var silos = gateways.Select(g => new SiloProcess(new Dictionary<string, string>
        {
            ["VRM_REDIS"] = redis,
            ["VRM_CLUSTER_ID"] = clusterId,
            ["VRM_SERVICE_ID"] = clusterId,
            ["VRM_SILO_PORT"] = EmbeddedSilo.FreePort().ToString(),
            ["VRM_GATEWAY_PORT"] = g.ToString(),
            ["VRM_HTTP_PORT"] = EmbeddedSilo.FreePort().ToString(),
        })).ToArray();
        try
        {
            foreach (var s in silos) await s.WaitReadyAsync(TimeSpan.FromSeconds(60));
            using var clientHost = await OrchestratorClientBuilder.StartAsync(new ClusterEndpoints(clusterId, clusterId, redis, 0));
            var client = clientHost.Client();
            var management = client.GetGrain<IManagementGrain>(0);
            var hosts = await management.GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);

            // --- a run with progress and a half-done rollout step ---
            var runId = $"run-{Guid.NewGuid():N}";
            var run = client.GetGrain<IRunGrain>(runId);
            await run.Submit(new RunSpec("failover", "{}", 10, 0, "k"));
            await run.Start();
            await run.ReportStep(3, 3, new Dictionary<string, double> { ["reward_mean"] = 0.5 });
            var scheduler = client.GetGrain<IRolloutSchedulerGrain>(runId);
            await scheduler.Configure(new SchedulerSettings(0, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(10)));
            await scheduler.EnqueueStep(Groups.Step(4, prompts: 2, requiredVersion: 3));
            var a1 = (await scheduler.Lease("w1", 3)).Assignment!;
            var a2 = (await scheduler.Lease("w2", 3)).Assignment!;
            Assert.Equal(CompletionOutcome.Accepted, (await scheduler.Complete(a1.AssignmentId, "w1", Groups.For(a1, "w1", 3))).Outcome);
            // No pause: an accepted completion is durable before it is acknowledged, so the kill may come at once.

            // --- kill -9 the silo that hosts the run grain ---
            var runSilo = await management.GetActivationAddress(run);
            Assert.NotNull(runSilo);
            var victim = silos.Single(s => s.Output.Contains($"silo {runSilo!.Endpoint.Port} gateway"));
            victim.Kill();
            var sw = Stopwatch.StartNew();
            var rejected = 0;
            var retry = OrchestratorRetry.Create(TimeSpan.FromSeconds(30), (_, _) => rejected++);
            var after = await retry.ExecuteAsync(async _ => await run.Get());
            output.WriteLine($"run served again {sw.Elapsed.TotalSeconds:F1} s after kill -9, {rejected} transient failures retried");

            Assert.Equal(RunStatus.Running, after.Status);
            Assert.Equal(3, after.Step);
            Assert.Equal(0.5, Assert.Single(after.RecentMetrics).Values["reward_mean"]);
            Assert.NotEqual(runSilo, await management.GetActivationAddress(run));

            // --- the schedule survived: a1's group is kept, a2 (leased to a worker on the dead side) expires and is re-leased ---
            var progress = await retry.ExecuteAsync(async _ => await scheduler.TakeCompletedStep(4));
            Assert.Equal(TakeStepOutcome.NotReady, progress.Outcome);
            Assert.Equal(1, progress.CompletedAssignments);
            RolloutAssignment? again = null;
            for (var i = 0; i < 100 && again is null; i++)
            {
                var l = await retry.ExecuteAsync(async _ => await scheduler.Lease("w3", 3));
                if (l.Outcome == LeaseOutcome.Assigned) again = l.Assignment; else await Task.Delay(100);
            }
            Assert.Equal(a2.AssignmentId, again?.AssignmentId);
            Assert.Equal(CompletionOutcome.Accepted, (await scheduler.Complete(again!.AssignmentId, "w3", Groups.For(again, "w3", 3))).Outcome);
            var taken = await scheduler.TakeCompletedStep(4);
            Assert.Equal(TakeStepOutcome.Ready, taken.Outcome);
            Assert.Equal([4000, 4001], taken.Groups.Select(g => g.PromptIndex).Order());
        }
        finally
        {
            foreach (var s in silos) s.Dispose();
        }
    }
}
