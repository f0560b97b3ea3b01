namespace Vrm.Cli.Tests;

/// <summary><c>vrm bench learn</c>'s start-size options: a bad value is refused by name before any stage runs.</summary>
public class BenchLearnArgumentsTests
{
    [Theory]
    [InlineData("--sft-steps", "0")]
    [InlineData("--sft-limit", "-5")]
    public async Task A_bad_sft_size_is_named_and_nothing_is_prepared(string option, string value)
    {
        var home = Path.Combine(Path.GetTempPath(), $"vrm-bench-args-{Guid.NewGuid():N}");
        try
        {
            using var p = RoleProcess.Start("bench", "learn", "--home", home, "--steps", "1", option, value);
            int code = await p.WaitForExit(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, code);
            Assert.Contains($"{option} must be >= 1", p.Output);
            Assert.False(Directory.Exists(home), "the refused run created its home");
        }
        finally
        {
            if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        }
    }
}
