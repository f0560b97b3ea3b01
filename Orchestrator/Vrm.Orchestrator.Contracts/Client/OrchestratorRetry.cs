using Orleans.Messaging;
using Orleans.Runtime;
using Polly;
using Polly.Retry;

namespace Vrm.Orchestrator.Contracts.Client;

/// <summary>
/// Client-side retry for grain calls across a silo failure. Until a killed silo is evicted from
/// membership (~2.3 s with the tightened probes, FINDINGS), calls routed to it fail fast with
/// <see cref="OrleansMessageRejectionException"/>; after eviction the grain reactivates elsewhere.
/// Retrying with a short exponential backoff for a few seconds rides through that window.
/// Only use it for calls that are idempotent (every scheduler/registry/run call is, by design).
/// </summary>
public static class OrchestratorRetry
{
    /// <summary>Transient: the target silo is dead or unreachable, or the call timed out during failover.</summary>
    public static bool IsTransient(Exception e) => e is OrleansMessageRejectionException
        or SiloUnavailableException
        or GatewayTooBusyException
        or TimeoutException
        or OrleansException { InnerException: OrleansMessageRejectionException or SiloUnavailableException };

    /// <summary>A pipeline that retries transient Orleans failures for about <paramref name="budget"/> (default 15 s).</summary>
    public static ResiliencePipeline Create(TimeSpan? budget = null, Action<Exception, int>? onRetry = null)
    {
        var total = budget ?? TimeSpan.FromSeconds(15);
        var first = TimeSpan.FromMilliseconds(100);
        var cap = TimeSpan.FromSeconds(1);
        // Enough attempts that backoff (100 ms doubling to a 1 s cap) covers the budget.
        var attempts = 4 + (int)Math.Ceiling(Math.Max(0, total.TotalSeconds - 1.5) / cap.TotalSeconds);
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = attempts,
                Delay = first,
                MaxDelay = cap,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = a =>
                {
                    if (a.Outcome.Exception is { } ex) onRetry?.Invoke(ex, a.AttemptNumber);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Shared default pipeline (thread-safe).</summary>
    public static ResiliencePipeline Default { get; } = Create();

    public static ValueTask<T> Call<T>(Func<Task<T>> call, CancellationToken ct = default)
        => Default.ExecuteAsync(async _ => await call(), ct);

    public static ValueTask Call(Func<Task> call, CancellationToken ct = default)
        => Default.ExecuteAsync(async _ => await call(), ct);
}
