using Vrm.Orchestrator.Contracts.Runs;

namespace Vrm.Orchestrator.Tests;

public class RunStatusMachineTests
{
    [Theory]
    [InlineData(RunStatus.Pending, RunStatus.Running)]
    [InlineData(RunStatus.Pending, RunStatus.Stopped)]
    [InlineData(RunStatus.Pending, RunStatus.Failed)]
    [InlineData(RunStatus.Running, RunStatus.Paused)]
    [InlineData(RunStatus.Paused, RunStatus.Running)]
    [InlineData(RunStatus.Running, RunStatus.Succeeded)]
    [InlineData(RunStatus.Running, RunStatus.Failed)]
    [InlineData(RunStatus.Running, RunStatus.Stopped)]
    [InlineData(RunStatus.Paused, RunStatus.Stopped)]
    [InlineData(RunStatus.Paused, RunStatus.Failed)]
    public void Legal_transitions_are_allowed(RunStatus from, RunStatus to) => Assert.True(RunStatusMachine.CanMove(from, to));

    [Theory]
    [InlineData(RunStatus.Pending, RunStatus.Paused)]
    [InlineData(RunStatus.Pending, RunStatus.Succeeded)]
    [InlineData(RunStatus.Succeeded, RunStatus.Running)]
    [InlineData(RunStatus.Failed, RunStatus.Running)]
    [InlineData(RunStatus.Stopped, RunStatus.Running)]
    [InlineData(RunStatus.Stopped, RunStatus.Paused)]
    [InlineData(RunStatus.Running, RunStatus.Pending)]
    [InlineData(RunStatus.Paused, RunStatus.Pending)]
    [InlineData(RunStatus.Succeeded, RunStatus.Failed)]
    public void Illegal_transitions_are_refused(RunStatus from, RunStatus to)
    {
        Assert.False(RunStatusMachine.CanMove(from, to));
        var e = Assert.Throws<IllegalRunTransitionException>(() => RunStatusMachine.EnsureCanMove("r1", from, to));
        Assert.Contains(from.ToString().ToUpperInvariant(), e.Message);
        Assert.Contains(to.ToString().ToUpperInvariant(), e.Message);
    }

    [Fact]
    public void Every_terminal_status_is_final()
    {
        foreach (var from in Enum.GetValues<RunStatus>().Where(RunStatusMachine.IsTerminal))
            foreach (var to in Enum.GetValues<RunStatus>())
                Assert.False(RunStatusMachine.CanMove(from, to), $"{from} → {to}");
    }
}
