using System.Text;
using System.Text.RegularExpressions;
using Functional.Tests.Packaging;

namespace Functional.Tests;

/// <summary>
/// Runs the C# blocks of the docs pages: every ```csharp block not marked <c>&lt;!-- seed:N --&gt;</c> (semantics.md's seed scenarios) <c>&lt;!-- graph:N --&gt;</c> / <c>&lt;!-- anomaly --&gt;</c> (checked by GraphDocsTests) or <c>&lt;!-- diag:name --&gt;</c> (DiagnosticsDocTests), in page order,
/// as the statements of one method per page (so a block may use what an earlier block on the page defined; blocks
/// declare no types). All pages compile into one program, with warnings as errors, against the Functional.Core.dll the
/// tests run against; what each block prints is compared with the <c>Output:</c> ```text block that follows it (a
/// block without one must print nothing).
/// </summary>
public static class DocPrograms
{
    /// <summary>One block: the page line its code starts on, the code and the output the page shows (empty if none).</summary>
    internal sealed record Block(int Line, string Code, string ExpectedOutput);

    private static readonly Regex CsharpBlock =
        new(@"(<!-- (?:seed:\d+|graph:\d+|anomaly|diag:[\w-]+) -->\s*)?```csharp\n(.*?)\n```(?:\s*Output:\s*```text\n(.*?)^```)?", RegexOptions.Singleline | RegexOptions.Multiline);

    private static readonly Regex UsingDirective = new(@"^using (static )?[\w.]+( = [\w.<>]+)?;\s*$");

    private const string Separator = "=== end of docs block ===";

    /// <summary>The page's blocks that carry no marker (seed, graph, anomaly or diag).</summary>
    internal static List<Block> Blocks(string markdown) =>
        CsharpBlock.Matches(markdown).Where(m => !m.Groups[1].Success)
            .Select(m => new Block(markdown[..m.Groups[2].Index].Count(c => c == '\n') + 1, m.Groups[2].Value,
                                   m.Groups[3].Success ? m.Groups[3].Value.TrimEnd('\n') : ""))
            .ToList();

    /// <summary>
    /// One page's source file: its blocks' using directives, then a static class whose <c>Run</c> method holds the
    /// blocks as statements, each followed by a separator line. <c>#line</c> directives make compiler errors name the
    /// page and its lines.
    /// </summary>
    internal static string PageSource(IReadOnlyList<Block> blocks, string page, string className)
    {
        var usings = new List<string>();
        var body = new StringBuilder();
        foreach (var b in blocks)
        {
            body.Append($"#line {b.Line} \"{page}\"\n");
            foreach (var line in b.Code.Split('\n'))
            {
                if (UsingDirective.IsMatch(line)) { if (!usings.Contains(line.Trim())) usings.Add(line.Trim()); body.Append('\n'); }
                else body.Append(line).Append('\n');
            }
            body.Append("#line default\n");
            body.Append($"System.Console.WriteLine(\"{Separator}\");\n");
        }
        return string.Join("\n", usings) + $"\n\ninternal static class {className}\n{{\npublic static void Run()\n{{\n{body}}}\n}}\n";
    }

    /// <summary>
    /// The docs pages' blocks, compiled once into one program (a test fixture: the first <see cref="Run"/> builds it,
    /// disposing deletes it). <c>dotnet Docs.dll &lt;page&gt;</c> runs one page.
    /// </summary>
    public sealed class Build : IDisposable
    {
        private readonly Lazy<(string Dll, Dictionary<string, string> Classes)> _built;
        private readonly string _dir = DotnetProcess.NewScratchFolder("docs-programs");

        public Build() => _built = new(Compile);

        private (string, Dictionary<string, string>) Compile()
        {
            string bin = AppContext.BaseDirectory;
            File.WriteAllText(Path.Combine(_dir, "Docs.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <UseAppHost>false</UseAppHost>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="Functional.Core" HintPath="{Path.Combine(bin, "Functional.Core.dll")}" />
                    <Reference Include="System.Numerics.Tensors" HintPath="{Path.Combine(bin, "System.Numerics.Tensors.dll")}" />
                  </ItemGroup>
                </Project>
                """);
            var classes = new Dictionary<string, string>();
            var dispatch = new StringBuilder("switch (args[0])\n{\n");
            foreach (var page in Directory.GetFiles(Path.Combine(DocsTests.RepoRoot(), "docs"), "*.md").Order())
            {
                var blocks = Blocks(File.ReadAllText(page).Replace("\r\n", "\n"));
                if (blocks.Count == 0) continue;
                string cls = "Page" + classes.Count;
                classes[Path.GetFileName(page)] = cls;
                File.WriteAllText(Path.Combine(_dir, cls + ".cs"), PageSource(blocks, page, cls));
                dispatch.Append($"    case \"{cls}\": {cls}.Run(); break;\n");
            }
            dispatch.Append("    default: throw new ArgumentException(args[0]);\n}\n");
            File.WriteAllText(Path.Combine(_dir, "Program.cs"), dispatch.ToString());
            var r = DotnetProcess.Run(_dir, TimeSpan.FromMinutes(3), "build", "-c", "Release", "-o", Path.Combine(_dir, "out"));
            if (r.ExitCode != 0)
                throw new Xunit.Sdk.XunitException($"the C# blocks of docs/*.md do not compile:\n{r.Transcript}");
            return (Path.Combine(_dir, "out", "Docs.dll"), classes);
        }

        /// <summary>Runs the blocks of docs/<paramref name="file"/>; returns what each of its <paramref name="count"/> blocks printed.</summary>
        public string[] Run(string file, int count)
        {
            var (dll, classes) = _built.Value;
            var r = DotnetProcess.Run(_dir, TimeSpan.FromMinutes(2), dll, classes[file]);
            if (r.ExitCode != 0)
                throw new Xunit.Sdk.XunitException($"the C# blocks of docs/{file} failed:\n{r.Transcript}");
            var parts = r.StdOut.Split(Separator + "\n");
            Assert.Equal(count + 1, parts.Length);
            return parts[..^1];
        }

        public void Dispose()
        {
            if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        }
    }
}
