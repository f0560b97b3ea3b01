namespace Vrm.Cli.Tests;

/// <summary><c>vrm bench learn</c>'s start options (SFT size, pretraining scene weight): a bad value is refused by name before any stage runs.</summary>
public class BenchLearnArgumentsTests
{
    [Theory]
    [InlineData("--sft-steps", "0", "--sft-steps must be >= 1")]
    [InlineData("--sft-limit", "-5", "--sft-limit must be >= 1")]
    [InlineData("--pretrain-scene-weight", "-0.5", "--pretrain-scene-weight must be a finite number >= 0")]
    public async Task A_bad_start_option_is_named_and_nothing_is_prepared(string option, string value, string message)
    {
        var home = Path.Combine(Path.GetTempPath(), $"vrm-bench-args-{Guid.NewGuid():N}");
        try
        {
            using var p = RoleProcess.Start("bench", "learn", "--home", home, "--steps", "1", option, value);
            int code = await p.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, code);
            Assert.Contains(message, p.Output);
            Assert.False(Directory.Exists(home), "the refused run created its home");
        }
        finally
        {
            if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        }
    }
}
