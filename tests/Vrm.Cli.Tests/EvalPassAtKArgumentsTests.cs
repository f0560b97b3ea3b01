namespace Vrm.Cli.Tests;

/// <summary><c>vrm eval --pass-at-k</c>: a bad count or temperature is refused by name before a checkpoint is even read.</summary>
public class EvalPassAtKArgumentsTests
{
    [Theory]
    [InlineData("-1", "0.7", "--pass-at-k must be >= 0")]
    [InlineData("8", "0", "--temperature must be a finite number > 0")]
    public async Task A_bad_pass_at_k_option_is_named(string k, string temperature, string message)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"vrm-no-checkpoint-{Guid.NewGuid():N}");
        using var p = RoleProcess.Start("eval", "--checkpoint", missing, "--data", missing, "--pass-at-k", k, "--temperature", temperature);
        int code = await p.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains(message, p.Output);
        Assert.DoesNotContain(missing, p.Output); // refused before the (missing) checkpoint was looked at
    }
}
