using Functional.Cli;

// The command-line entry point. Commands: seeds (replays the seed scenarios).
var command = args.Length > 0 ? args[0] : "help";
switch (command)
{
    case "seeds":
        Seeds.RunAll(Console.Out);
        return 0;
    case "help" or "--help" or "-h":
        Console.WriteLine("""
            functional — the Functional tensor library's command line

            Usage: dotnet run --project src/Cli -- <command>

            Commands:
              seeds    replay the seed scenarios (detach, .data, versions, retain_graph, ...) and print
                       every step as PyTorch would print it
            """);
        return 0;
    default:
        Console.Error.WriteLine($"unknown command '{command}'; run with --help for the list");
        return 2;
}
