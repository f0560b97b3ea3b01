using System.Diagnostics;
using Grpc.Core;
using Vrm.Protos.Reward;

namespace Vrm.Rewards.Service;

/// <summary>The <c>vrm.reward.RewardService</c> implementation: validate, score the batch, map back.</summary>
public sealed class RewardGrpcService(RewardServiceOptions options) : RewardService.RewardServiceBase
{
    private readonly CompositeReward _reward = new(options.DefaultWeights, options.ItemTimeBound);

    public override Task<ScoreResponse> Score(ScoreRequest request, ServerCallContext context)
    {
        long started = Stopwatch.GetTimestamp();
        if (ScoreRequestValidator.FindProblem(request, options) is { } problem)
        {
            Record("invalid_argument", started);
            throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
        }

        var weights = request.Weights.MergeOver(options.DefaultWeights);
        var items = new RewardItem[request.Items.Count];
        for (int i = 0; i < items.Length; i++)
        {
            var item = request.Items[i];
            items[i] = new RewardItem(item.Completion, item.Solution, item.Task, item.Reference.Length == 0 ? null : item.Reference);
        }
        // CPU-bound and bounded per item (MaxItems × ItemTimeBound at worst); scored on the request thread
        // plus the pool, in parallel, and the result order is the request order.
        var scores = _reward.ScoreBatch(items, weights, options.MaxDegreeOfParallelism);

        var response = new ScoreResponse { Weights = weights.ToProto() };
        foreach (var score in scores) response.Items.Add(score.ToProto());
        RewardMetrics.ItemsScored.Add(scores.Length);
        if (scores.Count(s => s.Reason == RewardReason.OverTimeBound) is > 0 and var overBound) RewardMetrics.TimeBoundHits.Add(overBound);
        Record("ok", started);
        return Task.FromResult(response);
    }

    private static void Record(string status, long started)
    {
        RewardMetrics.Requests.Add(1, RewardMetrics.Status(status));
        RewardMetrics.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, RewardMetrics.Status(status));
    }
}
