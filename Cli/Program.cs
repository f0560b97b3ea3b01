using System.CommandLine;
using Vrm.Cli.Commands;

// Composition root: one verb per file in Commands/ (DESIGN §6: train | data | sft | grpo | eval |
// orchestrator | worker | learner | reward | admin | bench).
var root = new RootCommand("vrm — train visual reasoning models with GRPO on a distributed cluster");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(LearnerCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(OrchestratorCommand.Create());
root.Subcommands.Add(DataCommand.Create());
root.Subcommands.Add(TrainingCommands.Pretrain());
root.Subcommands.Add(TrainingCommands.Sft());
root.Subcommands.Add(TrainingCommands.Eval());
root.Subcommands.Add(GrpoCommand.Create());
root.Subcommands.Add(RewardCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
root.Subcommands.Add(AdminCommand.Create());
return await root.Parse(args).InvokeAsync();
