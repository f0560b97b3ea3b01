using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Contracts.Workers;
using AdminPb = Vrm.Protos.Admin;

namespace Vrm.Orchestrator.Admin;

/// <summary>Grain contracts ↔ admin protobuf messages.</summary>
public static class AdminMapping
{
    public static AdminPb.RunStatus ToProto(RunStatus s) => s switch
    {
        RunStatus.Pending => AdminPb.RunStatus.Pending,
        RunStatus.Running => AdminPb.RunStatus.Running,
        RunStatus.Paused => AdminPb.RunStatus.Paused,
        RunStatus.Succeeded => AdminPb.RunStatus.Succeeded,
        RunStatus.Failed => AdminPb.RunStatus.Failed,
        RunStatus.Stopped => AdminPb.RunStatus.Stopped,
        _ => AdminPb.RunStatus.Unspecified,
    };

    public static RunStatus? FromProto(AdminPb.RunStatus s) => s switch
    {
        AdminPb.RunStatus.Pending => RunStatus.Pending,
        AdminPb.RunStatus.Running => RunStatus.Running,
        AdminPb.RunStatus.Paused => RunStatus.Paused,
        AdminPb.RunStatus.Succeeded => RunStatus.Succeeded,
        AdminPb.RunStatus.Failed => RunStatus.Failed,
        AdminPb.RunStatus.Stopped => RunStatus.Stopped,
        _ => null,
    };

    public static AdminPb.Run ToProto(RunSnapshot r)
    {
        var run = new AdminPb.Run
        {
            RunId = r.RunId,
            Name = r.Spec?.Name ?? "",
            Status = ToProto(r.Status),
            StatusReason = r.StatusReason ?? "",
            Step = r.Step,
            TotalSteps = r.Spec?.TotalSteps ?? 0,
            PolicyVersion = r.PolicyVersion,
            MaxStaleness = r.Control?.Overrides.MaxStaleness ?? r.Spec?.MaxStaleness ?? 0,
            ConfigJson = r.Spec?.ConfigJson ?? "",
            IdempotencyKey = r.Spec?.IdempotencyKey ?? "",
            Overrides = ToProto(r.Control?.Overrides ?? RunOverrides.None),
            ConfigVersion = r.Control?.ConfigVersion ?? 0,
            PendingCheckpointRequestId = r.Control?.PendingCheckpointRequestId ?? 0,
            LearnerId = r.Control?.LearnerId ?? "",
            Checkpoints = r.Checkpoints.Count,
            UpdatedAtUnixMs = r.UpdatedAt?.ToUnixTimeMilliseconds() ?? 0,
        };
        if (r.RecentMetrics.Count > 0) run.LatestMetrics.Add(r.RecentMetrics[^1].Values.ToDictionary());
        return run;
    }

    public static AdminPb.RunOverrides ToProto(RunOverrides o)
    {
        var p = new AdminPb.RunOverrides();
        if (o.LearningRate is { } lr) p.LearningRate = lr;
        if (o.Temperature is { } t) p.Temperature = t;
        if (o.KlBeta is { } b) p.KlBeta = b;
        if (o.MaxStaleness is { } s) p.MaxStaleness = s;
        return p;
    }

    public static RunOverrides FromProto(AdminPb.RunOverrides? p) => p is null ? RunOverrides.None : new RunOverrides(
        p.HasLearningRate ? p.LearningRate : null,
        p.HasTemperature ? p.Temperature : null,
        p.HasKlBeta ? p.KlBeta : null,
        p.HasMaxStaleness ? p.MaxStaleness : null);

    public static AdminPb.Checkpoint ToProto(CheckpointInfo c) => new()
    {
        Step = c.Step, PolicyVersion = c.PolicyVersion, Path = c.Path,
        CreatedAtUnixMs = c.CreatedAt.ToUnixTimeMilliseconds(), RequestId = c.RequestId,
    };

    public static AdminPb.Worker ToProto(WorkerInfo w) => new()
    {
        WorkerId = w.WorkerId,
        Device = w.Capabilities.Device,
        WeightSyncEndpoint = w.Capabilities.WeightSyncEndpoint,
        MaxBatch = w.Capabilities.MaxBatch,
        Liveness = w.Liveness.ToString().ToUpperInvariant(),
        PolicyVersion = w.PolicyVersion,
        LastHeartbeatUnixMs = w.LastHeartbeat.ToUnixTimeMilliseconds(),
        AssignmentsCompleted = w.LastStats?.AssignmentsCompleted ?? 0,
        GeneratedTokens = w.LastStats?.GeneratedTokens ?? 0,
        CurrentAssignmentId = w.LastStats?.CurrentAssignmentId ?? "",
    };

    public static AdminPb.MetricsPoint ToProto(string runId, StepMetrics m)
    {
        var p = new AdminPb.MetricsPoint { RunId = runId, Step = m.Step, AtUnixMs = m.At.ToUnixTimeMilliseconds() };
        p.Values.Add(m.Values.ToDictionary());
        return p;
    }

    public static AdminPb.RunEvent ToProto(string runId, RunEvent e) => new()
    {
        RunId = runId, Sequence = e.Sequence, AtUnixMs = e.At.ToUnixTimeMilliseconds(),
        Kind = e.Kind, Message = e.Message, Status = ToProto(e.Status),
    };
}
