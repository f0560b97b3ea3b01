using Grpc.Core;
using Vrm.Orchestrator.Tests.Fixtures;
using Vrm.Protos.Admin;

namespace Vrm.Orchestrator.Tests;

/// <summary>AdminService over real HTTP/2: bearer-token auth and status codes for malformed requests.</summary>
[Collection(AdminServerCollection.Name)]
public sealed class AdminAuthAndValidationTests(AdminServerFixture server)
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-wrong-token-wrong")]
    [InlineData("")]
    [InlineData(AdminServerFixture.Token + "x")]
    public async Task Calls_without_the_right_token_are_unauthenticated(string? token)
    {
        var client = server.Client(token);
        var unary = await Assert.ThrowsAsync<RpcException>(async () => await client.GetVersionAsync(new GetVersionRequest()));
        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        var list = await Assert.ThrowsAsync<RpcException>(async () => await client.ListRunsAsync(new ListRunsRequest()));
        Assert.Equal(StatusCode.Unauthenticated, list.StatusCode);
        using var stream = client.StreamEvents(new StreamEventsRequest { RunId = "x" });
        var streamed = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unauthenticated, streamed.StatusCode);
        // With the token the same call works.
        Assert.Equal("vrm.admin/1", (await server.Client().GetVersionAsync(new GetVersionRequest())).Api);
    }

    [Fact]
    public async Task Hundred_malformed_requests_get_the_right_codes_and_the_server_keeps_serving()
    {
        var c = server.Client();
        var running = await c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("malformed-target"), IdempotencyKey = "malformed-target-" + Guid.NewGuid() });
        var stopped = await c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("malformed-stopped"), IdempotencyKey = "malformed-stopped-" + Guid.NewGuid() });
        await c.StopRunAsync(new StopRunRequest { RunId = stopped.RunId });
        var cases = new List<(string What, Func<Task> Call, StatusCode Expected, string? Field)>();
        var rng = new Random(7);
        for (var i = 0; i < 10; i++)
        {
            cases.Add(("submit without spec", () => c.SubmitRunAsync(new SubmitRunRequest { IdempotencyKey = "k" + i }).ResponseAsync, StatusCode.InvalidArgument, "spec"));
            cases.Add(("submit without key", () => c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("a") }).ResponseAsync, StatusCode.InvalidArgument, "idempotency_key"));
            cases.Add(("submit steps ≤ 0", () => c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("a", steps: -rng.Next(0, 5)), IdempotencyKey = "s" + i }).ResponseAsync, StatusCode.InvalidArgument, "spec.total_steps"));
            cases.Add(("submit bad json", () => c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("a", config: "{not json" + i), IdempotencyKey = "j" + i }).ResponseAsync, StatusCode.InvalidArgument, "spec.config_json"));
            cases.Add(("submit bad run id", () => c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("a"), IdempotencyKey = "r" + i, RunId = "BAD ID/" + i }).ResponseAsync, StatusCode.InvalidArgument, "run_id"));
            cases.Add(("get empty id", () => c.GetRunAsync(new RunRef()).ResponseAsync, StatusCode.InvalidArgument, "run_id"));
            cases.Add(("get unknown", () => c.GetRunAsync(new RunRef { RunId = "no-such-run-" + i }).ResponseAsync, StatusCode.NotFound, null));
            cases.Add(("list bad page size", () => c.ListRunsAsync(new ListRunsRequest { PageSize = 501 + i }).ResponseAsync, StatusCode.InvalidArgument, "page_size"));
            cases.Add(("update lr out of range", () => c.UpdateRunAsync(new UpdateRunRequest { RunId = running.RunId, Overrides = new RunOverrides { LearningRate = -1 - i } }).ResponseAsync, StatusCode.InvalidArgument, "overrides.learning_rate"));
            cases.Add(("pause a stopped run", () => c.PauseRunAsync(new RunRef { RunId = stopped.RunId }).ResponseAsync, StatusCode.FailedPrecondition, null));
        }
        Assert.Equal(100, cases.Count);
        foreach (var (what, call, expected, field) in cases)
        {
            var e = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(e.StatusCode == expected, $"{what}: expected {expected}, got {e.StatusCode} ({e.Status.Detail})");
            if (field is not null) Assert.True(e.Status.Detail.Contains(field, StringComparison.Ordinal), $"{what}: message '{e.Status.Detail}' does not name '{field}'");
        }
        // Still serving, and nothing was created by the refused submits.
        Assert.Equal(running.RunId, (await c.GetRunAsync(new RunRef { RunId = running.RunId })).RunId);
        var all = await c.ListRunsAsync(new ListRunsRequest { PageSize = 500 });
        Assert.DoesNotContain(all.Runs, r => r.Name == "a");
    }

    [Fact]
    public async Task Same_idempotency_key_returns_the_same_run_never_a_duplicate()
    {
        var c = server.Client();
        var key = "idem-" + Guid.NewGuid();
        var first = await c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("idem"), IdempotencyKey = key });
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("idem"), IdempotencyKey = key }).ResponseAsync));
        Assert.All(results, r => Assert.Equal(first.RunId, r.RunId));
        var all = await c.ListRunsAsync(new ListRunsRequest { PageSize = 500 });
        Assert.Single(all.Runs, r => r.IdempotencyKey == key);
    }

    [Fact]
    public async Task List_filters_by_status_and_pages()
    {
        var c = server.Client();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add((await c.SubmitRunAsync(new SubmitRunRequest { Spec = Spec("page"), IdempotencyKey = "page-" + Guid.NewGuid() })).RunId);
        await c.StopRunAsync(new StopRunRequest { RunId = ids[0], Reason = "test" });
        var stopped = await c.ListRunsAsync(new ListRunsRequest { Statuses = { RunStatus.Stopped }, PageSize = 500 });
        Assert.Contains(stopped.Runs, r => r.RunId == ids[0]);
        Assert.All(stopped.Runs, r => Assert.Equal(RunStatus.Stopped, r.Status));
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await c.ListRunsAsync(new ListRunsRequest { PageSize = 2, PageToken = token });
            Assert.True(page.Runs.Count <= 2);
            seen.AddRange(page.Runs.Select(r => r.RunId));
            token = page.NextPageToken;
        } while (token.Length > 0);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(ids, id => Assert.Contains(id, seen));
        var bad = await Assert.ThrowsAsync<RpcException>(async () => await c.ListRunsAsync(new ListRunsRequest { PageToken = "zz" }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    public static RunSpec Spec(string name, int steps = 5, string config = "{}") => new() { Name = name, TotalSteps = steps, MaxStaleness = 0, ConfigJson = config };
}
