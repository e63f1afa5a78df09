using System.Text.RegularExpressions;
using Functional.Cli;

namespace Functional.Tests;

/// <summary>
/// Keeps docs/ true. A C# block in docs/semantics.md marked with the seed scenario it shows must be the code between
/// that scenario's doc markers in src/Cli/Seeds.cs, and the output block after it must be exactly what the scenario
/// prints. Every other C# block in docs/*.md is compiled and run (<see cref="DocPrograms"/>) and must print exactly
/// the output block after it.
/// </summary>
public class DocsTests(DocPrograms.Build programs) : IClassFixture<DocPrograms.Build>
{
    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Functional.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Functional.sln not found above " + AppContext.BaseDirectory);
    }

    private static readonly Regex Marked = new(@"<!-- seed:(\d+) -->\s*```csharp\n(.*?)\n```\s*Output:\s*```text\n(.*?)\n```", RegexOptions.Singleline);

    private static Dictionary<int, string> ScenarioSources()
    {
        var src = File.ReadAllText(Path.Combine(RepoRoot(), "src", "Cli", "Seeds.cs")).Replace("\r\n", "\n");
        var result = new Dictionary<int, string>();
        foreach (Match m in Regex.Matches(src, @"private static void Scenario(\d+)\(.*?// doc:begin\n(.*?)\n\s*// doc:end", RegexOptions.Singleline))
        {
            var lines = m.Groups[2].Value.Split('\n');
            int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            result[int.Parse(m.Groups[1].Value)] = string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
        }
        return result;
    }

    public static IEnumerable<object[]> DocFiles() =>
        Directory.GetFiles(Path.Combine(RepoRoot(), "docs"), "*.md").Select(f => new object[] { Path.GetFileName(f) });

    private static string ReadDoc(string file) => File.ReadAllText(Path.Combine(RepoRoot(), "docs", file)).Replace("\r\n", "\n");

    [Theory]
    [MemberData(nameof(DocFiles))]
    public void Every_csharp_block_in_docs_is_a_checked_seed_scenario_or_a_run_block(string file)
    {
        var text = ReadDoc(file);
        int blocks = Regex.Matches(text, "```csharp").Count;
        int seeds = Marked.Matches(text).Count;
        // Seed blocks are checked only on the semantics page; every unmarked block is run.
        if (file != "semantics.md") Assert.Equal(0, seeds);
        Assert.Equal(blocks, seeds + GraphDocsTests.MarkedBlocks(text) + DiagnosticsDocTests.Marked.Matches(text).Count + DocPrograms.Blocks(text).Count);
    }

    /// <summary>The pages with C# blocks that are not seed scenarios.</summary>
    public static IEnumerable<object[]> PagesWithRunBlocks() =>
        DocFiles().Where(f => DocPrograms.Blocks(ReadDoc((string)f[0])).Count > 0);

    [Theory]
    [MemberData(nameof(PagesWithRunBlocks))]
    public void Each_csharp_block_compiles_runs_and_prints_the_output_shown_after_it(string file)
    {
        var blocks = DocPrograms.Blocks(ReadDoc(file));
        var printed = programs.Run(file, blocks.Count);
        var wrong = Enumerable.Range(0, blocks.Count).Where(i => blocks[i].ExpectedOutput != printed[i].TrimEnd('\n'))
            .Select(i => $"docs/{file}, block at line {blocks[i].Line}: the page shows\n{blocks[i].ExpectedOutput}\n--- but it prints\n{printed[i].TrimEnd('\n')}\n");
        Assert.True(!wrong.Any(), string.Join("\n", wrong));
    }

    [Fact]
    public void Semantics_doc_shows_each_seed_scenario_code_and_its_real_output()
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "semantics.md")).Replace("\r\n", "\n");
        var sources = ScenarioSources();
        var shown = new HashSet<int>();
        foreach (Match m in Marked.Matches(text))
        {
            int n = int.Parse(m.Groups[1].Value);
            shown.Add(n);
            Assert.Equal(sources[n], m.Groups[2].Value);
            var output = new StringWriter { NewLine = "\n" };
            Seeds.All.Single(s => s.Number == n).Run(Seeds.Printer(output));
            Assert.Equal(m.Groups[3].Value, output.ToString().TrimEnd('\n'));
        }
        Assert.Equal(Seeds.All.Select(s => s.Number).ToHashSet(), shown);
    }
}
