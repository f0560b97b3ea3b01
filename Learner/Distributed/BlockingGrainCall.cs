using Vrm.Orchestrator.Contracts.Client;

namespace Vrm.Learner.Distributed;

/// <summary>
/// Grain calls from the learner's torch thread: the GRPO loop is synchronous (torch work stays on one thread,
/// no await inside a dispose scope), so it blocks on the retried call. Safe: the thread has no sync context.
/// </summary>
internal static class BlockingGrainCall
{
    public static T Call<T>(Func<Task<T>> call, CancellationToken ct) => OrchestratorRetry.Call(call, ct).AsTask().GetAwaiter().GetResult();
    public static void Call(Func<Task> call, CancellationToken ct) => OrchestratorRetry.Call(call, ct).AsTask().GetAwaiter().GetResult();
}
