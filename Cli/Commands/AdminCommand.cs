using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Spectre.Console;
using Vrm.Protos.Admin;
using YamlDotNet.Serialization;

namespace Vrm.Cli.Commands;

/// <summary>
/// <c>vrm admin …</c>: the AdminService from a terminal. Endpoint and token from --url/--token, else
/// VRM_ADMIN_URL (default http://127.0.0.1:7000) and VRM_ADMIN_TOKEN. Tables by default, --json for
/// scripts (one JSON document per answer; one per line for watch/events): the proto3 JSON mapping (camelCase
/// names, enums by name, defaults included) except that 64-bit integers are JSON numbers. Exit codes: 0 ok, 2 bad input,
/// 3 unauthenticated, 4 not found, 5 illegal transition, 1 anything else.
/// </summary>
public static class AdminCommand
{
    private static readonly Option<string?> Url = new("--url") { Description = "AdminService address (env VRM_ADMIN_URL, default http://127.0.0.1:7000)", Recursive = true };
    private static readonly Option<string?> Token = new("--token") { Description = "bearer token (env VRM_ADMIN_TOKEN)", Recursive = true };
    private static readonly Option<bool> Json = new("--json") { Description = "print JSON instead of tables", Recursive = true };

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    // Relaxed escaping: config_json and reasons are printed as written, not as \u0022 runs.
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The --json form of an answer. Proto3's JSON mapping writes int64 as strings (for JavaScript's 53-bit
    /// numbers); for scripts a step, a version, a request id or a millisecond timestamp is a number (jq
    /// arithmetic, GetInt64), and none of ours come near 2^53. The message's descriptor decides which fields
    /// are 64-bit, so a string field whose text happens to be digits (a run id, a name) stays a string.
    /// </summary>
    public static string ToJson(IMessage message)
    {
        var node = JsonNode.Parse(Formatter.Format(message))!;
        Int64AsNumbers(message.Descriptor, node);
        return node.ToJsonString(Compact);
    }

    private static void Int64AsNumbers(MessageDescriptor descriptor, JsonNode? node)
    {
        if (node is not JsonObject obj) return; // e.g. a well-known type with a scalar JSON form
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            if (!obj.TryGetPropertyValue(field.JsonName, out var value) || value is null) continue;
            if (field.IsMap)
            {
                // Map keys are JSON strings whatever their type; only the values (field 2 of the entry) convert.
                if (value is not JsonObject map) continue;
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (var key in map.Select(kv => kv.Key).ToList())
                    if (Int64AsNumber(valueField, map[key]) is { } n) map[key] = n;
            }
            else if (field.IsRepeated)
            {
                if (value is not JsonArray items) continue;
                for (var i = 0; i < items.Count; i++)
                    if (Int64AsNumber(field, items[i]) is { } n) items[i] = n;
            }
            else if (Int64AsNumber(field, value) is { } n) obj[field.JsonName] = n;
        }
    }

    /// <summary>The number replacing a 64-bit integer's string, or null when the value stays (nested messages are converted in place).</summary>
    private static JsonNode? Int64AsNumber(FieldDescriptor field, JsonNode? value)
    {
        switch (field.FieldType)
        {
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return value is JsonValue sv && sv.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? JsonValue.Create(l) : null;
            case FieldType.UInt64 or FieldType.Fixed64:
                return value is JsonValue uv && uv.TryGetValue<string>(out var u) && ulong.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out var ul) ? JsonValue.Create(ul) : null;
            case FieldType.Message:
                Int64AsNumbers(field.MessageType, value);
                return null;
            default:
                return null;
        }
    }

    public static Command Create()
    {
        var admin = new Command("admin", "Operate the cluster through the orchestrator's AdminService");
        admin.Options.Add(Url);
        admin.Options.Add(Token);
        admin.Options.Add(Json);

        var specFile = new Argument<FileInfo>("spec") { Description = "run spec (JSON or YAML): name, total_steps, max_staleness, config" };
        var key = new Option<string?>("--idempotency-key") { Description = "retry-safe key (default: derived from the spec file's content)" };
        var runIdOpt = new Option<string?>("--run-id") { Description = "choose the run id (default: generated)" };
        admin.Subcommands.Add(Verb("submit", "Submit a run", [specFile], [key, runIdOpt], async (pr, c, ct) =>
        {
            var file = pr.GetValue(specFile)!;
            var (spec, text) = ReadSpec(file);
            var request = new SubmitRunRequest
            {
                Spec = spec,
                IdempotencyKey = pr.GetValue(key) ?? "spec-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..24],
                RunId = pr.GetValue(runIdOpt) ?? "",
            };
            return await c.SubmitRunAsync(request, cancellationToken: ct);
        }));

        var status = new Option<string[]>("--status") { Description = "only these statuses (PENDING, RUNNING, PAUSED, SUCCEEDED, FAILED, STOPPED)", AllowMultipleArgumentsPerToken = true };
        var pageSize = new Option<int>("--page-size") { Description = "runs per page (1–500)", DefaultValueFactory = _ => 50 };
        var pageToken = new Option<string?>("--page-token") { Description = "next_page_token of the previous page" };
        admin.Subcommands.Add(Verb("list", "List runs", [], [status, pageSize, pageToken], async (pr, c, ct) =>
        {
            var request = new ListRunsRequest { PageSize = pr.GetValue(pageSize), PageToken = pr.GetValue(pageToken) ?? "" };
            foreach (var s in pr.GetValue(status) ?? [])
            {
                if (!Enum.TryParse<RunStatus>(s, ignoreCase: true, out var parsed) || parsed == RunStatus.Unspecified)
                    throw new ArgumentException($"--status '{s}' is not a run status (PENDING, RUNNING, PAUSED, SUCCEEDED, FAILED, STOPPED)");
                request.Statuses.Add(parsed);
            }
            return await c.ListRunsAsync(request, cancellationToken: ct);
        }));

        var runId = new Argument<string>("run-id") { Description = "the run" };
        admin.Subcommands.Add(Verb("get", "Show one run", [runId], [], async (pr, c, ct) => await c.GetRunAsync(new RunRef { RunId = pr.GetValue(runId)! }, cancellationToken: ct)));
        admin.Subcommands.Add(Verb("pause", "Pause a run (no new assignments or updates; in-flight work finishes)", [runId], [], async (pr, c, ct) => await c.PauseRunAsync(new RunRef { RunId = pr.GetValue(runId)! }, cancellationToken: ct)));
        admin.Subcommands.Add(Verb("resume", "Resume a paused run", [runId], [], async (pr, c, ct) => await c.ResumeRunAsync(new RunRef { RunId = pr.GetValue(runId)! }, cancellationToken: ct)));

        var reason = new Option<string?>("--reason") { Description = "why (recorded on the run)" };
        var noCheckpoint = new Option<bool>("--no-checkpoint") { Description = "do not ask the learner for a final checkpoint" };
        admin.Subcommands.Add(Verb("stop", "Stop a run (final checkpoint unless --no-checkpoint)", [runId], [reason, noCheckpoint], async (pr, c, ct) =>
            await c.StopRunAsync(new StopRunRequest { RunId = pr.GetValue(runId)!, Reason = pr.GetValue(reason) ?? "", SkipFinalCheckpoint = pr.GetValue(noCheckpoint) }, cancellationToken: ct)));

        var lr = new Option<double?>("--learning-rate") { Description = "new learning rate (0, 1]" };
        var temp = new Option<double?>("--temperature") { Description = "new sampling temperature (0, 10]" };
        var beta = new Option<double?>("--kl-beta") { Description = "new KL β [0, 100]" };
        var staleness = new Option<int?>("--max-staleness") { Description = "new max staleness in steps [0, 64]" };
        admin.Subcommands.Add(Verb("update", "Change live settings of a run", [runId], [lr, temp, beta, staleness], async (pr, c, ct) =>
        {
            var o = new RunOverrides();
            if (pr.GetValue(lr) is { } a) o.LearningRate = a;
            if (pr.GetValue(temp) is { } b) o.Temperature = b;
            if (pr.GetValue(beta) is { } d) o.KlBeta = d;
            if (pr.GetValue(staleness) is { } e) o.MaxStaleness = e;
            return await c.UpdateRunAsync(new UpdateRunRequest { RunId = pr.GetValue(runId)!, Overrides = o }, cancellationToken: ct);
        }));
        admin.Subcommands.Add(Verb("checkpoint", "Ask the learner for a checkpoint now", [runId], [], async (pr, c, ct) => await c.SaveCheckpointAsync(new RunRef { RunId = pr.GetValue(runId)! }, cancellationToken: ct)));
        admin.Subcommands.Add(Verb("checkpoints", "List a run's checkpoints", [runId], [], async (pr, c, ct) => await c.ListCheckpointsAsync(new RunRef { RunId = pr.GetValue(runId)! }, cancellationToken: ct)));
        admin.Subcommands.Add(Verb("workers", "List rollout workers", [], [], async (pr, c, ct) => await c.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: ct)));
        var workerId = new Argument<string>("worker-id") { Description = "the worker" };
        admin.Subcommands.Add(Verb("drain", "Drain a worker (finish its assignment, lease nothing more)", [workerId], [], async (pr, c, ct) => await c.DrainWorkerAsync(new DrainWorkerRequest { WorkerId = pr.GetValue(workerId)! }, cancellationToken: ct)));
        admin.Subcommands.Add(Verb("version", "Server version", [], [], async (pr, c, ct) => await c.GetVersionAsync(new GetVersionRequest(), cancellationToken: ct)));

        var fromStep = new Option<long>("--from-step") { Description = "first step to show (resume)", DefaultValueFactory = _ => 0 };
        var noFollow = new Option<bool>("--no-follow") { Description = "print the steps so far and exit" };
        var watch = new Command("watch", "Live table of a run's main metrics (StreamMetrics)");
        watch.Arguments.Add(runId);
        watch.Options.Add(fromStep);
        watch.Options.Add(noFollow);
        watch.SetAction(async (ParseResult pr, CancellationToken ct) => await Guard(pr, async (c, json) =>
        {
            using var call = c.StreamMetrics(new StreamMetricsRequest { RunId = pr.GetValue(runId)!, FromStep = pr.GetValue(fromStep), Follow = !pr.GetValue(noFollow) }, cancellationToken: ct);
            var columns = new[] { "reward_mean", "accuracy", "format_rate", "kl", "entropy", "completion_length_tokens", "tokens_per_second", "learning_rate" };
            if (!json) Console.WriteLine(string.Join(" ", new[] { "step".PadLeft(6) }.Concat(columns.Select(k => Short(k).PadLeft(10)))));
            await foreach (var point in call.ResponseStream.ReadAllAsync(ct))
            {
                if (json) Console.WriteLine(ToJson(point));
                else Console.WriteLine(string.Join(" ", new[] { point.Step.ToString(CultureInfo.InvariantCulture).PadLeft(6) }
                    .Concat(columns.Select(k => (point.Values.TryGetValue(k, out var v) ? v.ToString("G4", CultureInfo.InvariantCulture) : "-").PadLeft(10)))));
            }
            return 0;
        }));
        admin.Subcommands.Add(watch);

        var after = new Option<long>("--after") { Description = "events after this sequence number", DefaultValueFactory = _ => 0 };
        var events = new Command("events", "A run's events (StreamEvents)");
        events.Arguments.Add(runId);
        events.Options.Add(after);
        events.Options.Add(noFollow);
        events.SetAction(async (ParseResult pr, CancellationToken ct) => await Guard(pr, async (c, json) =>
        {
            using var call = c.StreamEvents(new StreamEventsRequest { RunId = pr.GetValue(runId)!, AfterSequence = pr.GetValue(after), Follow = !pr.GetValue(noFollow) }, cancellationToken: ct);
            await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
                Console.WriteLine(json ? ToJson(e) : $"{e.Sequence,4} {DateTimeOffset.FromUnixTimeMilliseconds(e.AtUnixMs):HH:mm:ss} {e.Status,-9} {e.Kind,-22} {e.Message}");
            return 0;
        }));
        admin.Subcommands.Add(events);
        return admin;
    }

    private static string Short(string key) => key switch
    {
        "completion_length_tokens" => "length",
        "tokens_per_second" => "tokens/s",
        "learning_rate" => "lr",
        _ => key.Length > 10 ? key[..10] : key,
    };

    private static Command Verb(string name, string description, Argument[] args, Option[] options,
        Func<ParseResult, AdminService.AdminServiceClient, CancellationToken, Task<IMessage>> call)
    {
        var cmd = new Command(name, description);
        foreach (var a in args) cmd.Arguments.Add(a);
        foreach (var o in options) cmd.Options.Add(o);
        cmd.SetAction(async (ParseResult pr, CancellationToken ct) => await Guard(pr, async (c, json) =>
        {
            var answer = await call(pr, c, ct);
            if (json) Console.WriteLine(ToJson(answer));
            else Render(answer);
            return 0;
        }));
        return cmd;
    }

    private static async Task<int> Guard(ParseResult pr, Func<AdminService.AdminServiceClient, bool, Task<int>> body)
    {
        var url = pr.GetValue(Url) ?? Environment.GetEnvironmentVariable("VRM_ADMIN_URL") ?? "http://127.0.0.1:7000";
        var token = pr.GetValue(Token) ?? Environment.GetEnvironmentVariable("VRM_ADMIN_TOKEN");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            await Console.Error.WriteLineAsync($"vrm admin: --url / VRM_ADMIN_URL '{url}' is not an http(s) URL");
            return 2;
        }
        if (string.IsNullOrWhiteSpace(token))
        {
            await Console.Error.WriteLineAsync("vrm admin: no token: pass --token or set VRM_ADMIN_TOKEN");
            return 2;
        }
        using var channel = GrpcChannel.ForAddress(uri);
        var invoker = channel.Intercept(m => { m.Add("authorization", "Bearer " + token.Trim()); return m; });
        try
        {
            return await body(new AdminService.AdminServiceClient(invoker), pr.GetValue(Json));
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"vrm admin: {e.StatusCode}: {e.Status.Detail}");
            return e.StatusCode switch
            {
                StatusCode.InvalidArgument => 2,
                StatusCode.Unauthenticated => 3,
                StatusCode.NotFound => 4,
                StatusCode.FailedPrecondition => 5,
                _ => 1,
            };
        }
        catch (Exception e) when (e is ArgumentException or IOException or JsonException or YamlDotNet.Core.YamlException)
        {
            await Console.Error.WriteLineAsync($"vrm admin: {e.Message}");
            return 2;
        }
    }

    /// <summary>A run spec file: JSON or YAML with name, total_steps, max_staleness and config (any object, sent as config_json).</summary>
    public static (RunSpec Spec, string Text) ReadSpec(FileInfo file)
    {
        if (!file.Exists) throw new ArgumentException($"spec file '{file.FullName}' does not exist");
        var text = File.ReadAllText(file.FullName);
        JsonNode? node;
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{'))
            node = JsonNode.Parse(text);
        else
        {
            // YAML → plain objects → JSON (YamlDotNet's JSON-compatible serializer keeps numbers and booleans typed).
            var yaml = new DeserializerBuilder().WithAttemptingUnquotedStringTypeDeserialization().Build().Deserialize<object?>(text);
            var json = new SerializerBuilder().JsonCompatible().Build().Serialize(yaml);
            node = JsonNode.Parse(json);
        }
        if (node is not JsonObject obj) throw new ArgumentException($"spec file '{file.Name}' must hold an object with name, total_steps, max_staleness, config");
        var spec = new RunSpec
        {
            Name = obj["name"]?.GetValue<string>() ?? throw new ArgumentException($"spec file '{file.Name}': name is missing"),
            TotalSteps = Int(obj, "total_steps", file.Name) ?? throw new ArgumentException($"spec file '{file.Name}': total_steps is missing"),
            MaxStaleness = Int(obj, "max_staleness", file.Name) ?? 0,
            ConfigJson = obj["config"] is { } config ? config.ToJsonString() : "{}",
        };
        return (spec, text);
    }

    private static int? Int(JsonObject obj, string name, string file)
    {
        if (obj[name] is not { } v) return null;
        try { return v.GetValue<int>(); }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            if (v is JsonValue jv && jv.TryGetValue<string>(out var s) && int.TryParse(s, CultureInfo.InvariantCulture, out var i)) return i;
            throw new ArgumentException($"spec file '{file}': {name} must be an integer");
        }
    }

    private static void Render(IMessage answer)
    {
        switch (answer)
        {
            case Run run: AnsiConsole.Write(RunsTable([run])); break;
            case ListRunsResponse list:
                AnsiConsole.Write(RunsTable(list.Runs));
                AnsiConsole.MarkupLineInterpolated($"{list.Runs.Count} of {list.Total} run(s){(list.NextPageToken.Length > 0 ? $"; next page: --page-token {list.NextPageToken}" : "")}");
                break;
            case ListCheckpointsResponse cps:
                var ct = new Table().AddColumns("step", "policy", "path", "created", "request");
                foreach (var c in cps.Checkpoints)
                    ct.AddRow(c.Step.ToString(CultureInfo.InvariantCulture), c.PolicyVersion.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.Path),
                        DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedAtUnixMs).ToString("u", CultureInfo.InvariantCulture), c.RequestId.ToString(CultureInfo.InvariantCulture));
                AnsiConsole.Write(ct);
                break;
            case ListWorkersResponse ws: AnsiConsole.Write(WorkersTable(ws.Workers)); break;
            case Worker w: AnsiConsole.Write(WorkersTable([w])); break;
            case SaveCheckpointResponse s: AnsiConsole.MarkupLineInterpolated($"checkpoint requested for run {s.RunId}: request {s.RequestId}"); break;
            default: Console.WriteLine(ToJson(answer)); break;
        }
    }

    private static Table RunsTable(IEnumerable<Run> runs)
    {
        var t = new Table().AddColumns("run", "name", "status", "step", "policy", "lr", "checkpoints", "learner", "reason");
        foreach (var r in runs)
            t.AddRow(Markup.Escape(r.RunId), Markup.Escape(r.Name), r.Status.ToString().ToUpperInvariant(),
                $"{r.Step}/{r.TotalSteps}", r.PolicyVersion.ToString(CultureInfo.InvariantCulture),
                r.Overrides?.HasLearningRate == true ? r.Overrides.LearningRate.ToString("G4", CultureInfo.InvariantCulture) : "-",
                r.Checkpoints.ToString(CultureInfo.InvariantCulture) + (r.PendingCheckpointRequestId != 0 ? " (+1 pending)" : ""),
                Markup.Escape(r.LearnerId), Markup.Escape(r.StatusReason));
        return t;
    }

    private static Table WorkersTable(IEnumerable<Worker> workers)
    {
        var t = new Table().AddColumns("worker", "liveness", "device", "policy", "assignments", "tokens", "last heartbeat");
        foreach (var w in workers)
            t.AddRow(Markup.Escape(w.WorkerId), w.Liveness, Markup.Escape(w.Device), w.PolicyVersion.ToString(CultureInfo.InvariantCulture),
                w.AssignmentsCompleted.ToString(CultureInfo.InvariantCulture), w.GeneratedTokens.ToString(CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(w.LastHeartbeatUnixMs).ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        return t;
    }
}
