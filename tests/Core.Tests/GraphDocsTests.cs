using System.Text.RegularExpressions;
using Functional.Cli;

namespace Functional.Tests;

/// <summary>
/// Keeps docs/graphs.md true: each C# block marked <c>&lt;!-- graph:N --&gt;</c> is the code of SeedGraphs' graph N
/// and is followed by its picture; docs/graphs/ holds exactly the .dot files the CLI's <c>graph</c> command writes
/// now (run it to refresh them, with Graphviz installed for the .svg); the block marked <c>&lt;!-- anomaly --&gt;</c>
/// is AnomalyExample's code and its output block is what that code prints.
/// </summary>
public class GraphDocsTests
{
    internal static readonly Regex GraphMarked =
        new(@"<!-- graph:(\d+) -->\s*```csharp\n(.*?)\n```\s*!\[[^\]]*\]\(graphs/([\w-]+)\.svg\)", RegexOptions.Singleline);

    internal static readonly Regex AnomalyMarked =
        new(@"<!-- anomaly -->\s*```csharp\n(.*?)\n```\s*Output:\s*```text\n(.*?)\n```", RegexOptions.Singleline);

    /// <summary>How many C# blocks of <paramref name="markdown"/> carry one of this class's markers.</summary>
    internal static int MarkedBlocks(string markdown) => GraphMarked.Matches(markdown).Count + AnomalyMarked.Matches(markdown).Count;

    private static string Docs => Path.Combine(DocsTests.RepoRoot(), "docs");

    private static string Read(string path) => File.ReadAllText(path).Replace("\r\n", "\n");

    /// <summary>The code between <c>// doc:begin</c> and <c>// doc:end</c> of each method of a src/Cli file, unindented.</summary>
    private static Dictionary<string, string> DocSources(string file)
    {
        var src = Read(Path.Combine(DocsTests.RepoRoot(), "src", "Cli", file));
        var result = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(src, @"(?:private|public) static \w+ (\w+)\(.*?// doc:begin\n(.*?)\n\s*// doc:end", RegexOptions.Singleline))
        {
            var lines = m.Groups[2].Value.Split('\n');
            int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            result[m.Groups[1].Value] = string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
        }
        return result;
    }

    [Fact]
    public void Graphs_doc_shows_graph_code_and_pictures_of_at_least_the_detach_and_version_error_scenarios()
    {
        var text = Read(Path.Combine(Docs, "graphs.md"));
        var sources = DocSources("SeedGraphs.cs");
        var shown = new HashSet<int>();
        foreach (Match m in GraphMarked.Matches(text))
        {
            int n = int.Parse(m.Groups[1].Value);
            var g = SeedGraphs.All.Single(s => s.Number == n);
            Assert.Equal(sources[$"Graph{n}"], m.Groups[2].Value);
            Assert.Equal(g.File, m.Groups[3].Value);
            Assert.True(File.Exists(Path.Combine(Docs, "graphs", g.File + ".svg")), $"docs/graphs/{g.File}.svg is missing");
            shown.Add(n);
        }
        Assert.Contains(2, shown);   // detach
        Assert.Contains(3, shown);   // version error
    }

    [Fact]
    public void Committed_dot_files_are_what_the_graph_command_writes_now()
    {
        var dir = Path.Combine(Path.GetTempPath(), "functional-graphs-" + Guid.NewGuid().ToString("N"));
        try
        {
            SeedGraphs.Write(dir, TextWriter.Null);
            foreach (var g in SeedGraphs.All)
                Assert.True(Read(Path.Combine(dir, g.File + ".dot")) == Read(Path.Combine(Docs, "graphs", g.File + ".dot")),
                            $"docs/graphs/{g.File}.dot is out of date: run `dotnet run --project src/Cli -- graph --out docs/graphs`");
            Assert.Equal(SeedGraphs.All.Select(g => g.File + ".dot").Order(),
                         Directory.GetFiles(Path.Combine(Docs, "graphs"), "*.dot").Select(Path.GetFileName).Order());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Graphs_doc_shows_the_anomaly_example_and_its_real_output()
    {
        var text = Read(Path.Combine(Docs, "graphs.md"));
        var m = Assert.Single(AnomalyMarked.Matches(text));
        Assert.Equal(DocSources("AnomalyExample.cs")["Run"], m.Groups[1].Value);
        var output = new StringWriter { NewLine = "\n" };
        AnomalyExample.Run(Seeds.Printer(output));
        Assert.Equal(m.Groups[2].Value, output.ToString().TrimEnd('\n'));
    }
}
