namespace Vrm.Cli;

/// <summary>Torch work on one dedicated thread (TorchSharp dispose scopes are per-thread), awaitable by async callers.</summary>
public static class TorchThread
{
    public static Task Run(Action work, string name = "torch")
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { work(); done.SetResult(); }
            catch (Exception e) { done.SetException(e); }
        }) { Name = name, IsBackground = true };
        thread.Start();
        return done.Task;
    }
}
