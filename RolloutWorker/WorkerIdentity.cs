namespace Vrm.RolloutWorker;

/// <summary>Who this worker is to the registry and to the learner.</summary>
public sealed record WorkerIdentity(string WorkerId);
