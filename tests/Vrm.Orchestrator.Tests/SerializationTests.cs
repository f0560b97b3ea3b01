using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Vrm.Orchestrator.Contracts.Rollouts;
using Vrm.Orchestrator.Contracts.Runs;
using Vrm.Orchestrator.Contracts.Workers;
using Vrm.Orchestrator.Tests.Fixtures;

namespace Vrm.Orchestrator.Tests;

/// <summary>
/// A grain-interface type without a serializer compiles but no silo starts (FINDINGS). The fixture
/// starts a real silo (so that failure fails this suite), and here every type reachable from a grain
/// interface must have a codec and must round-trip a sample through the Orleans serializer.
/// </summary>
[Collection(EmbeddedSiloCollection.Name)]
public class SerializationTests(EmbeddedSilo silo)
{
    private static readonly Assembly Contracts = typeof(IRunGrain).Assembly;

    private static readonly Completion SampleCompletion = new([1, 2], [-0.5f, -1.5f], "stop", new RewardComponents(1, 1, 1.5f), "<think>x</think><answer>3</answer>");
    private static readonly RolloutAssignment SampleAssignment = new("run/0/0", "run", 0, [4, 5], 8, 3, 1, new SamplingParams(0.7f, 0.9f, 64, 42), DateTimeOffset.UnixEpoch,
        new ScoringWeights(1, 0.5, 0.25));
    private static readonly CompletedGroup SampleGroup = new(4, [SampleCompletion], 3, "w1");
    private static readonly RunSpec SampleSpec = new("probe", "{}", 10, 1, "key");

    /// <summary>One sample per message type. A new message type without a sample here fails the suite.</summary>
    private static readonly Dictionary<Type, object> Samples = new()
    {
        [typeof(RunSpec)] = SampleSpec,
        [typeof(RunStatus)] = RunStatus.Paused,
        [typeof(CheckpointInfo)] = new CheckpointInfo(2, 2, "/ckpt/2", DateTimeOffset.UnixEpoch),
        [typeof(StepMetrics)] = new StepMetrics(2, DateTimeOffset.UnixEpoch, new Dictionary<string, double> { ["kl"] = 0.1 }),
        [typeof(RunSnapshot)] = new RunSnapshot("r", SampleSpec, RunStatus.Running, 2, 2,
            [new CheckpointInfo(2, 2, "/ckpt/2", DateTimeOffset.UnixEpoch)], [new StepMetrics(2, DateTimeOffset.UnixEpoch, new Dictionary<string, double> { ["kl"] = 0.1 })], null, DateTimeOffset.UnixEpoch),
        [typeof(SamplingParams)] = new SamplingParams(0.7f, 0.9f, 64, 42),
        [typeof(StepRequest)] = new StepRequest(3, [1, 2, 3], 8, 2, new SamplingParams(1, 1, 64, 3), 2, new ScoringWeights(1, 0.5, 0)),
        [typeof(ScoringWeights)] = new ScoringWeights(1, 0.5, 0.25, 0.75),
        [typeof(EnqueueResult)] = new EnqueueResult(EnqueueOutcome.Backpressure, 0, 2, 2),
        [typeof(RolloutAssignment)] = SampleAssignment,
        [typeof(LeaseResult)] = new LeaseResult(LeaseOutcome.Assigned, SampleAssignment, null, TimeSpan.Zero),
        [typeof(RewardComponents)] = new RewardComponents(1, 0, 1.5f, 1, 0.5f),
        [typeof(Completion)] = SampleCompletion,
        [typeof(CompletedGroup)] = SampleGroup,
        [typeof(CompletionAck)] = new CompletionAck(CompletionOutcome.StaleVersion, "too old"),
        [typeof(TakeStepResult)] = new TakeStepResult(TakeStepOutcome.Ready, 3, [SampleGroup], 1, 2, true, [5]),
        [typeof(CompleteAndLeaseResult)] = new CompleteAndLeaseResult(new CompletionAck(CompletionOutcome.Abandoned, "poison"), new LeaseResult(LeaseOutcome.Assigned, SampleAssignment, null, TimeSpan.Zero)),
        [typeof(SchedulerSettings)] = new SchedulerSettings(2, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20), 5),
        [typeof(SchedulerStats)] = new SchedulerStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11.5, 12.5, 13.5, 14, 15, 16, 17.5, ["w0", "w1"]),
        [typeof(WorkerCapabilities)] = new WorkerCapabilities("cuda:0", "http://10.0.0.1:7100", 32),
        [typeof(WorkerStats)] = new WorkerStats(5, 500, "run/0/1"),
        [typeof(WorkerInfo)] = new WorkerInfo("w1", new WorkerCapabilities("cpu", "http://x:7100", 4), WorkerLiveness.Draining, 3, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new WorkerStats(1, 2, null)),
        [typeof(HeartbeatReply)] = new HeartbeatReply(WorkerDirective.Drain, TimeSpan.FromSeconds(5)),
        [typeof(RunOverrides)] = new RunOverrides(LearningRate: 3e-5, MaxStaleness: 2),
        [typeof(RunControl)] = new RunControl(RunStatus.Paused, 4, 2, new RunOverrides(Temperature: 0.7), "learner-1"),
        [typeof(RunEntry)] = new RunEntry("r1", "count", RunStatus.Running, DateTimeOffset.UnixEpoch, "learner-1"),
        [typeof(RunListPage)] = new RunListPage([new RunEntry("r2", "n", RunStatus.Pending, DateTimeOffset.UnixEpoch, null)], "next", 7),
        [typeof(RunEvent)] = new RunEvent(9, DateTimeOffset.UnixEpoch, "paused", "by operator", RunStatus.Paused),
    };

    [Fact]
    public void Every_type_in_a_grain_interface_has_an_orleans_codec()
    {
        var serializer = silo.SiloServices.GetRequiredService<Serializer>();
        var types = MessageTypes();
        Assert.NotEmpty(types);
        var missing = types.Where(t => !serializer.CanSerialize(t)).Select(t => t.FullName).ToArray();
        Assert.True(missing.Length == 0, $"no Orleans serializer for: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_contract_message_round_trips_through_the_orleans_serializer()
    {
        var serializer = silo.SiloServices.GetRequiredService<Serializer>();
        // Arrays are covered by their element type, enums by the records that carry them.
        var contractTypes = MessageTypes().Where(t => t.Assembly == Contracts && !t.IsArray && !t.IsEnum).ToArray();
        var withoutSample = contractTypes.Where(t => !Samples.ContainsKey(t)).Select(t => t.Name).ToArray();
        Assert.True(withoutSample.Length == 0, $"add a sample for: {string.Join(", ", withoutSample)}");
        foreach (var t in contractTypes)
        {
            var sample = Samples[t];
            var copy = serializer.Deserialize<object>(serializer.SerializeToArray<object>(sample));
            Assert.IsType(t, copy);
            Assert.Equal(JsonSerializer.Serialize(sample, t), JsonSerializer.Serialize(copy, t));
        }
    }

    [Fact]
    public void Reward_components_reach_the_learner_exactly_as_the_reward_service_computed_them()
    {
        // A grounding of 1/3 (one of three listed objects right) at weight 0.25: a float would round both fields, and the
        // cluster's advantages would then differ from the in-process run's on the same completions.
        double grounding = 1.0 / 3, total = 1 + 0.5 + 0.25 * grounding;
        var serializer = silo.SiloServices.GetRequiredService<Serializer>();
        var copy = serializer.Deserialize<RewardComponents>(serializer.SerializeToArray(new RewardComponents(1, 1, total, 0, grounding)))!;
        Assert.Equal(grounding, copy.Grounding);
        Assert.Equal(total, copy.Total);
    }

    [Fact]
    public void Illegal_transition_exception_keeps_its_fields_across_the_wire()
    {
        var serializer = silo.SiloServices.GetRequiredService<Serializer>();
        var e = new IllegalRunTransitionException("r9", RunStatus.Stopped, RunStatus.Running);
        var copy = Assert.IsType<IllegalRunTransitionException>(serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(e)));
        Assert.Equal(("r9", RunStatus.Stopped, RunStatus.Running), (copy.RunId, copy.From, copy.To));
        Assert.Equal(e.Message, copy.Message);
    }

    /// <summary>Parameter and return types of every grain interface method, expanded through arrays, generics and contract properties.</summary>
    private static HashSet<Type> MessageTypes()
    {
        var seen = new HashSet<Type>();
        var grainInterfaces = Contracts.GetTypes().Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t));
        foreach (var m in grainInterfaces.SelectMany(i => i.GetMethods()))
        {
            Visit(m.ReturnType, seen);
            foreach (var p in m.GetParameters()) Visit(p.ParameterType, seen);
        }
        return seen;
    }

    private static void Visit(Type t, HashSet<Type> seen)
    {
        if (t == typeof(Task) || t == typeof(void)) return;
        if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Task<>) || t.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            Visit(t.GetGenericArguments()[0], seen);
            return;
        }
        if (Nullable.GetUnderlyingType(t) is { } inner) { Visit(inner, seen); return; }
        if (!seen.Add(t)) return;
        if (t.IsArray) Visit(t.GetElementType()!, seen);
        foreach (var g in t.IsGenericType ? t.GetGenericArguments() : []) Visit(g, seen);
        if (t.Assembly == Contracts && !t.IsEnum)
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance)) Visit(p.PropertyType, seen);
    }
}
