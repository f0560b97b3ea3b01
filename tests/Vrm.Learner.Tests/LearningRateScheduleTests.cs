namespace Vrm.Learner.Tests;

public class LearningRateScheduleTests
{
    [Fact]
    public void Warmup_is_linear_then_cosine_decays_to_the_floor()
    {
        var s = new LearningRateSchedule(1e-3, 4, 14, LrScheduleKind.Cosine, MinRatio: 0.1);
        Assert.Equal(0.25e-3, s.At(0), 12);
        Assert.Equal(1e-3, s.At(3), 12);
        Assert.Equal(1e-3, s.At(4), 12);
        Assert.Equal(1e-3 * (0.1 + 0.9 * 0.5), s.At(9), 12); // halfway through the decay
        Assert.Equal(1e-4, s.At(14), 12);
        Assert.Equal(1e-4, s.At(100), 12);
    }

    [Fact]
    public void Constant_stays_at_the_peak_after_warmup()
    {
        var s = new LearningRateSchedule(2e-4, 2, 100, LrScheduleKind.Constant);
        Assert.Equal(1e-4, s.At(0), 12);
        Assert.Equal(2e-4, s.At(50), 12);
    }
}
