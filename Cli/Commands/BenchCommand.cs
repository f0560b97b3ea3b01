using System.CommandLine;

namespace Vrm.Cli.Commands;

/// <summary><c>vrm bench policy | learn | cluster</c>: benchmarks that print a table and write JSON.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks: each prints a small table and writes the same numbers as JSON");
        // Each benchmark lives in its own file and adds itself here.
        bench.Subcommands.Add(BenchClusterCommand.Create());
        bench.Subcommands.Add(BenchPolicyCommand.Create());
        bench.Subcommands.Add(BenchWeightPushCommand.Create());
        bench.Subcommands.Add(BenchLearnCommand.Create());
        return bench;
    }
}
