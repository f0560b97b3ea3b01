using System.Reflection;
using System.Text.Json;
using Grpc.Core;
using Vrm.Orchestrator.Contracts.Client;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Orchestrator.Runs;
using AdminPb = Vrm.Protos.Admin;

namespace Vrm.Orchestrator.Admin;

/// <summary>
/// The AdminService (Protos/admin.proto) over the run directory, run grains and worker registry.
/// Validation happens here, before any grain is touched, so every bad request is INVALID_ARGUMENT
/// naming its field; grain exceptions are translated (<see cref="Translate"/>), never leaked as UNKNOWN.
/// </summary>
public sealed class AdminGrpcService(IGrainFactory grains, ClusterEndpoints cluster) : AdminPb.AdminService.AdminServiceBase
{
    public const string ApiVersion = "vrm.admin/1";
    /// <summary>How often a following stream looks for new steps/events (a live table needs no more).</summary>
    public static readonly TimeSpan StreamPoll = TimeSpan.FromMilliseconds(250);
    private const int MaxConfigJsonChars = 1 << 20;

    private IRunDirectoryGrain Directory => grains.GetGrain<IRunDirectoryGrain>(IRunDirectoryGrain.DefaultKey);
    private IWorkerRegistryGrain Registry => grains.GetGrain<IWorkerRegistryGrain>(IWorkerRegistryGrain.DefaultKey);

    public override Task<AdminPb.Run> SubmitRun(AdminPb.SubmitRunRequest request, ServerCallContext context) => Translate(async () =>
    {
        var spec = request.Spec ?? throw Invalid("spec", "spec is required");
        if (string.IsNullOrWhiteSpace(request.IdempotencyKey)) throw Invalid("idempotency_key", "idempotency_key is required (a retried submit must not create a second run)");
        if (request.IdempotencyKey.Length > 200) throw Invalid("idempotency_key", "idempotency_key is longer than 200 characters");
        if (string.IsNullOrWhiteSpace(spec.Name)) throw Invalid("spec.name", "spec.name is empty");
        if (spec.TotalSteps <= 0) throw Invalid("spec.total_steps", $"spec.total_steps must be > 0 (got {spec.TotalSteps})");
        if (spec.MaxStaleness < 0) throw Invalid("spec.max_staleness", $"spec.max_staleness must be ≥ 0 (got {spec.MaxStaleness})");
        var config = string.IsNullOrWhiteSpace(spec.ConfigJson) ? "{}" : spec.ConfigJson;
        if (config.Length > MaxConfigJsonChars) throw Invalid("spec.config_json", $"spec.config_json is longer than {MaxConfigJsonChars} characters");
        try
        {
            using var doc = JsonDocument.Parse(config);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid("spec.config_json", "spec.config_json must be a JSON object");
        }
        catch (JsonException e) { throw Invalid("spec.config_json", $"spec.config_json is not valid JSON: {e.Message}"); }
        string? runId = string.IsNullOrEmpty(request.RunId) ? null : request.RunId;
        if (runId is not null && !RunDirectoryGrain.IsValidRunId(runId))
            throw Invalid("run_id", $"run_id '{runId}' must be 1–64 characters of a-z, 0-9, '-', '_' or '.'");
        var snapshot = await Directory.Submit(new RunSpec(spec.Name, config, spec.TotalSteps, spec.MaxStaleness, request.IdempotencyKey), runId);
        return AdminMapping.ToProto(snapshot);
    });

    public override Task<AdminPb.Run> GetRun(AdminPb.RunRef request, ServerCallContext context) => Translate(async () =>
        AdminMapping.ToProto(await Existing(request.RunId)));

    public override Task<AdminPb.ListRunsResponse> ListRuns(AdminPb.ListRunsRequest request, ServerCallContext context) => Translate(async () =>
    {
        var statuses = new List<RunStatus>();
        foreach (var s in request.Statuses)
            statuses.Add(AdminMapping.FromProto(s) ?? throw Invalid("statuses", $"statuses contains {s}, which is not a run status"));
        var pageSize = request.PageSize == 0 ? 50 : request.PageSize;
        if (pageSize < 0 || pageSize > IRunDirectoryGrain.MaxPageSize)
            throw Invalid("page_size", $"page_size must be in 1..{IRunDirectoryGrain.MaxPageSize} (got {request.PageSize})");
        var page = await Directory.List(statuses.ToArray(), pageSize, string.IsNullOrEmpty(request.PageToken) ? null : request.PageToken);
        var response = new AdminPb.ListRunsResponse { NextPageToken = page.NextPageToken ?? "", Total = page.TotalMatching };
        foreach (var entry in page.Runs) response.Runs.Add(AdminMapping.ToProto(await grains.GetGrain<IRunGrain>(entry.RunId).Get()));
        return response;
    });

    public override Task<AdminPb.Run> PauseRun(AdminPb.RunRef request, ServerCallContext context) => Translate(async () =>
    {
        await Existing(request.RunId);
        return AdminMapping.ToProto(await grains.GetGrain<IRunGrain>(request.RunId).Pause());
    });

    public override Task<AdminPb.Run> ResumeRun(AdminPb.RunRef request, ServerCallContext context) => Translate(async () =>
    {
        await Existing(request.RunId);
        return AdminMapping.ToProto(await grains.GetGrain<IRunGrain>(request.RunId).Resume());
    });

    public override Task<AdminPb.Run> StopRun(AdminPb.StopRunRequest request, ServerCallContext context) => Translate(async () =>
    {
        await Existing(request.RunId);
        if (request.Reason.Length > 1000) throw Invalid("reason", "reason is longer than 1000 characters");
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? "stopped by admin" : request.Reason;
        return AdminMapping.ToProto(await grains.GetGrain<IRunGrain>(request.RunId).StopWithCheckpoint(reason, !request.SkipFinalCheckpoint));
    });

    public override Task<AdminPb.Run> UpdateRun(AdminPb.UpdateRunRequest request, ServerCallContext context) => Translate(async () =>
    {
        await Existing(request.RunId);
        var overrides = AdminMapping.FromProto(request.Overrides);
        if (overrides.IsEmpty) throw Invalid("overrides", "overrides names no field (learning_rate, temperature, kl_beta, max_staleness)");
        if (overrides.Validate() is { } bad) throw Invalid($"overrides.{bad.Field}", $"overrides.{bad.Message}");
        return AdminMapping.ToProto(await grains.GetGrain<IRunGrain>(request.RunId).Update(overrides));
    });

    public override Task<AdminPb.SaveCheckpointResponse> SaveCheckpoint(AdminPb.RunRef request, ServerCallContext context) => Translate(async () =>
    {
        await Existing(request.RunId);
        var id = await grains.GetGrain<IRunGrain>(request.RunId).RequestCheckpoint();
        return new AdminPb.SaveCheckpointResponse { RunId = request.RunId, RequestId = id };
    });

    public override Task<AdminPb.ListCheckpointsResponse> ListCheckpoints(AdminPb.RunRef request, ServerCallContext context) => Translate(async () =>
    {
        var run = await Existing(request.RunId);
        var response = new AdminPb.ListCheckpointsResponse();
        response.Checkpoints.AddRange(run.Checkpoints.Select(AdminMapping.ToProto));
        return response;
    });

    public override Task<AdminPb.ListWorkersResponse> ListWorkers(AdminPb.ListWorkersRequest request, ServerCallContext context) => Translate(async () =>
    {
        var response = new AdminPb.ListWorkersResponse();
        response.Workers.AddRange((await Registry.List()).OrderBy(w => w.WorkerId, StringComparer.Ordinal).Select(AdminMapping.ToProto));
        return response;
    });

    public override Task<AdminPb.Worker> DrainWorker(AdminPb.DrainWorkerRequest request, ServerCallContext context) => Translate(async () =>
    {
        if (string.IsNullOrWhiteSpace(request.WorkerId)) throw Invalid("worker_id", "worker_id is empty");
        if (!await Registry.Drain(request.WorkerId)) throw new RpcException(new Status(StatusCode.NotFound, $"worker '{request.WorkerId}' is not registered"));
        var worker = (await Registry.List()).First(w => w.WorkerId == request.WorkerId);
        return AdminMapping.ToProto(worker);
    });

    public override async Task StreamMetrics(AdminPb.StreamMetricsRequest request, IServerStreamWriter<AdminPb.MetricsPoint> responseStream, ServerCallContext context)
    {
        await Translate(async () =>
        {
            if (request.FromStep < 0) throw Invalid("from_step", $"from_step must be ≥ 0 (got {request.FromStep})");
            await Existing(request.RunId);
            var run = grains.GetGrain<IRunGrain>(request.RunId);
            var next = request.FromStep;
            var ct = context.CancellationToken;
            while (!ct.IsCancellationRequested)
            {
                var status = (await run.GetControl()).Status;
                foreach (var m in await run.GetMetrics(next))
                {
                    await responseStream.WriteAsync(AdminMapping.ToProto(request.RunId, m), ct);
                    next = m.Step + 1;
                }
                // Status read before the metrics: a terminal run's last steps were already included.
                if (!request.Follow || RunStatusMachine.IsTerminal(status)) break;
                await Task.Delay(StreamPoll, ct);
            }
            return true;
        }, swallowCancel: true);
    }

    public override async Task StreamEvents(AdminPb.StreamEventsRequest request, IServerStreamWriter<AdminPb.RunEvent> responseStream, ServerCallContext context)
    {
        await Translate(async () =>
        {
            if (request.AfterSequence < 0) throw Invalid("after_sequence", $"after_sequence must be ≥ 0 (got {request.AfterSequence})");
            await Existing(request.RunId);
            var run = grains.GetGrain<IRunGrain>(request.RunId);
            var after = request.AfterSequence;
            var ct = context.CancellationToken;
            while (!ct.IsCancellationRequested)
            {
                var status = (await run.GetControl()).Status;
                foreach (var e in await run.GetEvents(after))
                {
                    await responseStream.WriteAsync(AdminMapping.ToProto(request.RunId, e), ct);
                    after = e.Sequence;
                }
                if (!request.Follow || RunStatusMachine.IsTerminal(status)) break;
                await Task.Delay(StreamPoll, ct);
            }
            return true;
        }, swallowCancel: true);
    }

    public override Task<AdminPb.VersionInfo> GetVersion(AdminPb.GetVersionRequest request, ServerCallContext context) => Task.FromResult(new AdminPb.VersionInfo
    {
        Version = typeof(AdminGrpcService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
        Api = ApiVersion,
        Runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        ClusterId = cluster.ClusterId,
        ClusterMode = cluster.IsClusterMode,
    });

    private async Task<RunSnapshot> Existing(string runId)
    {
        if (string.IsNullOrWhiteSpace(runId)) throw Invalid("run_id", "run_id is empty");
        if (!RunDirectoryGrain.IsValidRunId(runId)) throw Invalid("run_id", $"run_id '{Shorten(runId)}' is not a valid run id");
        var run = await grains.GetGrain<IRunGrain>(runId).Get();
        if (!run.Exists) throw new RpcException(new Status(StatusCode.NotFound, $"run '{runId}' does not exist"));
        return run;
    }

    private static RpcException Invalid(string field, string message) =>
        new(new Status(StatusCode.InvalidArgument, message), new Metadata { { "field", field } });

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>Grain-side refusals → gRPC statuses: ArgumentException → INVALID_ARGUMENT, illegal transition → FAILED_PRECONDITION.</summary>
    private static async Task<T> Translate<T>(Func<Task<T>> call, bool swallowCancel = false)
    {
        try { return await call(); }
        catch (RpcException) { throw; }
        catch (OperationCanceledException) when (swallowCancel) { return default!; }
        catch (IllegalRunTransitionException e) { throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message)); }
        catch (ArgumentException e) { throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message)); }
        catch (InvalidOperationException e) { throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message)); }
        catch (TimeoutException e) { throw new RpcException(new Status(StatusCode.Unavailable, $"orchestrator did not answer in time: {e.Message}")); }
    }
}
