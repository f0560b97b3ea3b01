using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Vrm.Protos.Reward;

namespace Vrm.Rewards.Service;

/// <summary>
/// Typed client of the RewardService for rollout workers: domain items in, <see cref="RewardBreakdown"/>s
/// out, in the same order. Failures surface as <see cref="RpcException"/> (INVALID_ARGUMENT carries the
/// service's message naming the bad field). Thread-safe; share one per process and address.
/// </summary>
public sealed class RewardClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly bool _ownsChannel;
    private readonly RewardService.RewardServiceClient _rewards;
    private readonly Health.HealthClient _health;

    /// <summary>Connects to e.g. <c>http://127.0.0.1:7200</c> (cleartext HTTP/2).</summary>
    public RewardClient(Uri address, int maxMessageBytes = 64 << 20)
        : this(GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
        }), ownsChannel: true)
    {
    }

    /// <summary>Uses a channel owned by the caller.</summary>
    public RewardClient(GrpcChannel channel) : this(channel, ownsChannel: false)
    {
    }

    private RewardClient(GrpcChannel channel, bool ownsChannel)
    {
        _channel = channel;
        _ownsChannel = ownsChannel;
        _rewards = new RewardService.RewardServiceClient(channel);
        _health = new Health.HealthClient(channel);
    }

    public async Task<RewardBreakdown[]> ScoreAsync(IReadOnlyList<RewardItem> items, RewardWeights? weights = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var request = new ScoreRequest();
        if (weights is not null) request.Weights = weights.ToProto();
        for (int i = 0; i < items.Count; i++)
            request.Items.Add((items[i] ?? throw new ArgumentException($"items[{i}] is null", nameof(items))).ToProto());

        DateTime? deadline = timeout is { } t ? DateTime.UtcNow + t : null;
        var response = await _rewards.ScoreAsync(request, deadline: deadline, cancellationToken: cancellationToken);
        if (response.Items.Count != items.Count)
            throw new InvalidOperationException($"reward service returned {response.Items.Count} scores for {items.Count} items");
        var result = new RewardBreakdown[response.Items.Count];
        for (int i = 0; i < result.Length; i++) result[i] = response.Items[i].FromProto();
        return result;
    }

    /// <summary>The gRPC health status of the whole service ("" service name).</summary>
    public async Task<HealthCheckResponse.Types.ServingStatus> CheckHealthAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        DateTime? deadline = timeout is { } t ? DateTime.UtcNow + t : null;
        var response = await _health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: deadline, cancellationToken: cancellationToken);
        return response.Status;
    }

    public void Dispose()
    {
        if (_ownsChannel) _channel.Dispose();
    }
}
