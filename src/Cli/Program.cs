using System.CommandLine;
using Functional.Cli;
using Spectre.Console;

// The command line: `dotnet run -c Release --project src/Cli -- <command>`.
var root = new RootCommand("functional — the Functional tensor library's command line");

var seeds = new Command("seeds", "Replay the seed scenarios (detach, .data, versions, retain_graph, hooks, ...) and print every step as PyTorch would");
seeds.SetAction(_ => { Seeds.RunAll(Console.Out); return 0; });
root.Subcommands.Add(seeds);

var epochs = new Option<int>("--epochs") { Description = "Epochs to train", DefaultValueFactory = _ => 5 };
var batch = new Option<int>("--batch") { Description = "Mini-batch size", DefaultValueFactory = _ => 64 };
var lr = new Option<float>("--lr") { Description = "Adam's learning rate", DefaultValueFactory = _ => 1e-3f };
var data = new Option<string?>("--data") { Description = "Folder with Fashion-MNIST's files: the full set, or only the 10k test files (split 8,000/2,000). Default: /usr/share/datasets/fashion-mnist if present, else data/fashion-mnist" };
var seed = new Option<int>("--seed") { Description = "Seed for the initial weights and the shuffles", DefaultValueFactory = _ => 0 };
var save = new Option<string?>("--save") { Description = "Write a safetensors checkpoint here after every epoch" };
var resume = new Option<string?>("--resume") { Description = "Continue from this checkpoint" };
var curve = new Option<string>("--curve") { Description = "Where to write the loss curve (SVG); \"\" for none", DefaultValueFactory = _ => "out/loss.svg" };
var rawPixels = new Option<bool>("--raw-pixels") { Description = $"Feed pixels in [0, 1] as PyTorch's quickstart does, instead of standardized ({Train.Standardization})" };
var train = new Command("train", "Train the seed network 784-512-512-10 (ReLU, Adam, batch 64) on Fashion-MNIST")
{
    epochs, batch, lr, data, seed, save, resume, curve, rawPixels,
};
train.SetAction(r =>
{
    var options = new TrainOptions(r.GetValue(epochs), r.GetValue(batch), r.GetValue(lr), r.GetValue(data), r.GetValue(seed),
                                   r.GetValue(save), r.GetValue(resume), r.GetValue(curve), RawPixels: r.GetValue(rawPixels));
    try
    {
        Train.Run(options, Console.Out, liveProgress: AnsiConsole.Profile.Capabilities.Interactive);
        return 0;
    }
    catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"train: {e.Message}");
        return 1;
    }
});
root.Subcommands.Add(train);

var detach = new Command("detach-experiment", "Seed 000: detach layer 1 on odd epochs and watch Adam with ZeroGrad(setToNone: true) vs false");
detach.SetAction(_ => { DetachExperiment.Print(Console.Out); return 0; });
root.Subcommands.Add(detach);

root.Subcommands.Add(Functional.Cli.SeedGraphs.Command());
var stressPath = new Argument<string>("path") { Description = "The checkpoint to write" };
var stressCount = new Option<int>("--count") { Description = "How many saves", DefaultValueFactory = _ => int.MaxValue };
var stress = new Command("checkpoint-stress", "Save a checkpoint over and over (for the kill test)") { stressPath, stressCount };
stress.Hidden = true;
stress.SetAction(r => { CheckpointStress.Run(r.GetValue(stressPath)!, r.GetValue(stressCount), Console.Out); return 0; });
root.Subcommands.Add(stress);
var diagnostics = new Command("diagnostics", "Replay the seed confusions and print Functional's diagnostics (file:line of the save, the write, the cut)");
diagnostics.SetAction(_ => { DiagnosticScenarios.RunAll(Console.Out); return 0; });
root.Subcommands.Add(diagnostics);

return root.Parse(args).Invoke();
