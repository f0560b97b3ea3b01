namespace Vrm.Learner;

public enum LrScheduleKind { Constant, Cosine }

/// <summary>Linear warmup to the peak rate, then constant or cosine decay to <see cref="MinRatio"/> × peak.</summary>
public sealed record LearningRateSchedule(double Peak, int WarmupSteps, int TotalSteps, LrScheduleKind Kind, double MinRatio = 0.1)
{
    /// <summary>Rate for the update that follows <paramref name="step"/> completed updates (0-based).</summary>
    public double At(int step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        if (Kind == LrScheduleKind.Constant || TotalSteps <= WarmupSteps) return Peak;
        double progress = Math.Clamp((double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps), 0, 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return Peak * (MinRatio + (1 - MinRatio) * cosine);
    }
}
