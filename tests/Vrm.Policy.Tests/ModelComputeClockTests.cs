namespace Vrm.Policy.Tests;

public class ModelComputeClockTests
{
    [Fact]
    public void Idle_gaps_are_filed_under_what_ended_and_what_started_and_overlaps_count_once()
    {
        var before = ModelComputeClock.Mark("test start");
        var busy0 = ModelComputeClock.Busy;
        Thread.Sleep(20);
        using (ModelComputeClock.Measure("sample"))
        {
            using (ModelComputeClock.Measure("update")) Thread.Sleep(5); // overlaps the sample: no gap between them
            Thread.Sleep(5);
        }
        Thread.Sleep(100);
        using (ModelComputeClock.Measure("update")) Thread.Sleep(5);
        var after = ModelComputeClock.Mark("test end");
        var busy = ModelComputeClock.Busy - busy0;

        var gaps = ModelComputeClock.Between(before, after).ToDictionary(g => g.Transition, g => g.Gap);
        Assert.Equal(["sample → update", "test start → sample", "update → test end"], gaps.Keys.Order());
        Assert.All(gaps.Values, g => Assert.Equal(1, g.Count));
        Assert.InRange(gaps["test start → sample"].Seconds, 0.019, 1);
        Assert.InRange(gaps["sample → update"].Seconds, 0.099, 2);
        Assert.InRange(busy.TotalSeconds, 0.014, 1);
        // Largest first.
        Assert.Equal("sample → update", ModelComputeClock.Between(before, after)[0].Transition);
    }
}
