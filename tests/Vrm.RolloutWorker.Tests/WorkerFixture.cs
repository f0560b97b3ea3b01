using Microsoft.AspNetCore.Builder;
using Vrm.Policy;

namespace Vrm.RolloutWorker.Tests;

/// <summary>A worker's WeightSync endpoint on a free loopback port, holding tiny model A at version <paramref name="version"/>.</summary>
internal sealed class WorkerEndpoint : IAsyncDisposable
{
    public required WebApplication App { get; init; }
    public required PolicyHolder Holder { get; init; }
    public required VrmModel Model { get; init; }
    public Uri Address => new($"http://127.0.0.1:{WorkerGrpcHost.BoundPort(App)}");

    public static async Task<WorkerEndpoint> StartAsync(string runId = "run-1", long version = 0, int seed = 1, string workerId = "w1")
    {
        var model = TinyPolicy.Create(seed);
        var layout = WeightSnapshot.Capture(model, version).Layout;
        var holder = new PolicyHolder(runId, model, version, layout);
        var app = await WorkerGrpcHost.StartAsync(0, new WorkerIdentity(workerId), holder, loopbackOnly: true);
        return new WorkerEndpoint { App = app, Holder = holder, Model = model };
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Model.Dispose();
    }
}
