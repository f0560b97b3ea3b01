using StackExchange.Redis;
using Vrm.Orchestrator.Contracts.Client;
using Xunit;

namespace Vrm.Tests.Shared;

/// <summary>The real Redis the cluster tests use (compiled into each test project that needs it).</summary>
public static class TestRedis
{
    /// <summary>Fails (never skips) without a reachable Redis at VRM_TEST_REDIS; returns its address.</summary>
    public static string Require()
    {
        var redis = Environment.GetEnvironmentVariable("VRM_TEST_REDIS");
        Assert.False(string.IsNullOrWhiteSpace(redis),
            "VRM_TEST_REDIS is not set: this test needs a real Redis (e.g. `redis-server --port 6391 --daemonize yes --save \"\"` and VRM_TEST_REDIS=127.0.0.1:6391; build/test.sh does both)");
        try
        {
            using var mux = ConnectionMultiplexer.Connect(OrchestratorClientBuilder.ParseRedis(redis!));
            mux.GetDatabase().Ping();
        }
        catch (Exception e)
        {
            Assert.Fail($"Redis at VRM_TEST_REDIS={redis} is unreachable ({e.GetType().Name}: {e.Message}); start it (build/test.sh does) — this test is not skipped");
        }
        return redis!;
    }
}
