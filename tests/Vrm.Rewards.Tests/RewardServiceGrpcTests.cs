using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Vrm.Rewards.Service;
using Proto = Vrm.Protos.Reward;

namespace Vrm.Rewards.Tests;

/// <summary>A real RewardService host on a free loopback port, shared by the tests of one class.</summary>
public sealed class RewardServiceFixture : IAsyncLifetime
{
    // Small limits so the refusals are cheap to provoke; the message limit is above the 4 MB gRPC default on purpose.
    public static readonly RewardServiceOptions Options = new()
    {
        MaxItems = 50,
        MaxCompletionChars = 6_000_000,
        MaxSolutionChars = 1_000,
        MaxTaskChars = 32,
        MaxBatchChars = 7_000_000,
        MaxMessageBytes = 32 << 20,
    };

    public WebApplication App { get; private set; } = null!;
    public RewardClient Client { get; private set; } = null!;
    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await RewardServiceHost.StartAsync(0, Options, loopbackOnly: true,
            configure: b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        Address = RewardServiceHost.LoopbackAddress(App);
        Client = new RewardClient(Address, Options.MaxMessageBytes);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

public class RewardServiceGrpcTests(RewardServiceFixture service) : IClassFixture<RewardServiceFixture>
{
    private static readonly RewardItem[] Batch =
    [
        new("<think>1+2</think><answer>3</answer>", "<answer>3</answer>", "count"),
        new("<think>hmm</think><answer>Circle.</answer>", "circle", "shape"),
        new("It is 3", "3", "count"),
        new("<think>x</think><answer>4</answer> done", "<answer>3</answer>", "count"),
        new("<think>x</think><answer>3", "3", "count"),
        new("<think>x</think><answer>3</answer>", "<answer>3", "count"),
    ];

    [Fact]
    public async Task Score_returns_the_same_breakdown_as_in_process_scoring_in_request_order()
    {
        var scores = await service.Client.ScoreAsync(Batch, timeout: TimeSpan.FromSeconds(30));

        Assert.Equal(Batch.Length, scores.Length);
        Assert.Equal(Batch.Select(i => CompositeReward.Default.Score(i)), scores);
        Assert.Equal(new RewardBreakdown(1, 1, 1.5, RewardReason.Ok, RewardReason.Ok, RewardReason.Ok), scores[0]);
        Assert.Equal(1.5, scores[1].Total);
        Assert.Equal(RewardReason.NoAnswerTag, scores[2].Reason);
        Assert.Equal((0.0, RewardReason.WrongAnswer, RewardReason.TextOutsideTags), (scores[3].Total, scores[3].CorrectnessReason, scores[3].FormatReason));
        Assert.Equal(RewardReason.UnclosedAnswerTag, scores[4].Reason);
        Assert.Equal(RewardReason.InvalidSolution, scores[5].Reason);
    }

    [Fact]
    public async Task Request_weights_override_the_defaults_field_by_field()
    {
        var scores = await service.Client.ScoreAsync(Batch[..1], new RewardWeights(Accuracy: 2.0, Format: 0.0));
        Assert.Equal(2.0, scores[0].Total);

        // Only accuracy set: format keeps its default 0.5, and the response says which weights applied.
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(service.Address);
        var raw = new Proto.RewardService.RewardServiceClient(channel);
        var request = new Proto.ScoreRequest { Weights = new Proto.RewardWeights { Accuracy = 3.0 } };
        request.Items.Add(Batch[0].ToProto());
        var response = await raw.ScoreAsync(request);
        Assert.Equal(3.5, response.Items[0].Total);
        Assert.Equal((3.0, 0.5), (response.Weights.Accuracy, response.Weights.Format));
    }

    [Fact]
    public async Task Health_reports_serving()
    {
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await service.Client.CheckHealthAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_batch_larger_than_the_default_4MB_message_is_scored()
    {
        // 5 M chars of completion: refused by a channel or server left at gRPC's 4 MB default.
        string big = "<think>" + new string('x', 5_000_000) + "</think><answer>3</answer>";
        var scores = await service.Client.ScoreAsync([new RewardItem(big, "3", "count")]);
        Assert.Equal(1.5, scores[0].Total);
    }

    [Fact]
    public async Task Too_many_items_is_invalid_argument_naming_items()
    {
        var items = Enumerable.Repeat(Batch[0], RewardServiceFixture.Options.MaxItems + 1).ToArray();
        var e = await Assert.ThrowsAsync<RpcException>(() => service.Client.ScoreAsync(items));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("items: 51 items", e.Status.Detail);
    }

    [Theory]
    [InlineData("completion", "items[1].completion")]
    [InlineData("solution", "items[1].solution")]
    [InlineData("task", "items[1].task")]
    [InlineData("reference", "items[1].reference")]
    [InlineData("batch", "items: ")]
    public async Task Oversized_fields_are_invalid_argument_naming_the_field(string what, string field)
    {
        var items = new List<RewardItem> { Batch[0] };
        items.Add(what switch
        {
            "completion" => Batch[0] with { Completion = new string('a', RewardServiceFixture.Options.MaxCompletionChars + 1) },
            "solution" => Batch[0] with { Solution = new string('3', RewardServiceFixture.Options.MaxSolutionChars + 1) },
            "task" => Batch[0] with { Task = new string('t', RewardServiceFixture.Options.MaxTaskChars + 1) },
            "reference" => Batch[0] with { Reference = new string('r', RewardServiceFixture.Options.MaxSolutionChars + 1) },
            _ => Batch[0] with { Completion = new string('a', RewardServiceFixture.Options.MaxCompletionChars) },
        });
        if (what == "batch") items.Add(Batch[0] with { Completion = new string('b', 1_500_000) });

        var e = await Assert.ThrowsAsync<RpcException>(() => service.Client.ScoreAsync(items));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(field, e.Status.Detail);
        if (what == "batch") Assert.Contains("batch limit", e.Status.Detail);
    }

    [Fact]
    public async Task The_consistency_weight_and_component_travel_both_ways()
    {
        RewardItem[] items =
        [
            new("<think>red circle, blue square; red: 1</think><answer>1</answer>", "<answer>1</answer>", "count"),
            new("<think>red circle, blue square; red: 2</think><answer>2</answer>", "<answer>2</answer>", "count"),
        ];
        var weights = new RewardWeights(1.0, 0.5, 0.5);
        var scores = await service.Client.ScoreAsync(items, weights);
        Assert.Equal(items.Select(i => new CompositeReward(weights).Score(i)), scores);
        Assert.Equal((1.0, RewardReason.Ok, 2.0), (scores[0].Consistency, scores[0].ConsistencyReason, scores[0].Total));
        Assert.Equal((0.0, RewardReason.Inconsistent, 1.5), (scores[1].Consistency, scores[1].ConsistencyReason, scores[1].Total));
    }

    [Fact]
    public async Task The_grounding_weight_reference_and_component_travel_both_ways()
    {
        const string reference = "<think>red circle, blue square; total: 2</think><answer>2</answer>";
        RewardItem[] items =
        [
            new("<think>red circle, blue square; total: 2</think><answer>2</answer>", "<answer>2</answer>", "count", reference),
            new("<think>red circle; total: 1</think><answer>1</answer>", "<answer>2</answer>", "count", reference),
            new("<think>red circle; total: 1</think><answer>1</answer>", "<answer>2</answer>", "count"),
        ];
        var weights = new RewardWeights(1.0, 0.5, 0.0, 1.0);
        var scores = await service.Client.ScoreAsync(items, weights);
        Assert.Equal(items.Select(i => new CompositeReward(weights).Score(i)), scores);
        Assert.Equal((1.0, RewardReason.Ok, 2.5), (scores[0].Grounding, scores[0].GroundingReason, scores[0].Total));
        Assert.Equal((0.5, RewardReason.Ungrounded, 1.0), (scores[1].Grounding, scores[1].GroundingReason, scores[1].Total));
        Assert.Equal((0.0, RewardReason.NoReferenceTrace, 0.5), (scores[2].Grounding, scores[2].GroundingReason, scores[2].Total));
    }

    [Theory]
    [InlineData(double.NaN, 0.5, 0.0, 0.0, "weights.accuracy")]
    [InlineData(1.0, -0.5, 0.0, 0.0, "weights.format")]
    [InlineData(1.0, 0.5, double.PositiveInfinity, 0.0, "weights.consistency")]
    [InlineData(1.0, 0.5, 0.0, -1.0, "weights.grounding")]
    public async Task Bad_weights_are_invalid_argument_naming_the_weight(double accuracy, double format, double consistency, double grounding, string field)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => service.Client.ScoreAsync(Batch, new RewardWeights(accuracy, format, consistency, grounding)));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(field, e.Status.Detail);
    }

    [Fact]
    public async Task An_empty_batch_gets_an_empty_answer()
    {
        Assert.Empty(await service.Client.ScoreAsync([]));
    }

    [Fact]
    public async Task The_endpoint_is_http2_only()
    {
        // An HTTP/1.1 request to the cleartext endpoint is refused: an Http1AndHttp2 endpoint would have
        // served it, and gRPC clients would then fail with HTTP_1_1_REQUIRED (FINDINGS.md).
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        // Kestrel answers "400: An HTTP/1.x request was sent to an HTTP/2 only endpoint."
        using var response = await http.GetAsync(service.Address);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("HTTP/2 only", await response.Content.ReadAsStringAsync());
    }
}
