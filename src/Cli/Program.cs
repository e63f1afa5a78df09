using System.CommandLine;
using Functional.Cli;

// The command line: `dotnet run -c Release --project src/Cli -- <command>`.
var root = new RootCommand("functional — the Functional tensor library's command line");

var seeds = new Command("seeds", "Replay the seed scenarios (detach, .data, versions, retain_graph, hooks, ...) and print every step as PyTorch would");
seeds.SetAction(_ => { Seeds.RunAll(Console.Out); return 0; });
root.Subcommands.Add(seeds);

var detach = new Command("detach-experiment", "Seed 000: detach layer 1 on odd epochs and watch Adam with ZeroGrad(setToNone: true) vs false");
detach.SetAction(_ => { DetachExperiment.Print(Console.Out); return 0; });
root.Subcommands.Add(detach);

return root.Parse(args).Invoke();
