using System.Text;
using System.Text.RegularExpressions;
using Functional.Tests.Packaging;

namespace Functional.Tests;

/// <summary>
/// Runs the C# blocks of a docs page as one program: every ```csharp block not marked <c>&lt;!-- seed:N --&gt;</c>,
/// in page order, as top-level statements (so a block may use what an earlier block on the page defined). The program
/// is compiled with warnings as errors against the Functional.Core.dll the tests run against; what each block prints
/// is compared with the <c>Output:</c> ```text block that follows it (a block without one must print nothing).
/// </summary>
internal static class DocPrograms
{
    /// <summary>One block: the page line its code starts on, the code and the output the page shows (empty if none).</summary>
    internal sealed record Block(int Line, string Code, string ExpectedOutput);

    private static readonly Regex CsharpBlock =
        new(@"(<!-- seed:\d+ -->\s*)?```csharp\n(.*?)\n```(?:\s*Output:\s*```text\n(.*?)^```)?", RegexOptions.Singleline | RegexOptions.Multiline);

    private static readonly Regex UsingDirective = new(@"^using (static )?[\w.]+( = [\w.<>]+)?;\s*$");

    private const string Separator = "=== end of docs block ===";

    /// <summary>The page's blocks that are not seed scenarios.</summary>
    internal static List<Block> Blocks(string markdown) =>
        CsharpBlock.Matches(markdown).Where(m => !m.Groups[1].Success)
            .Select(m => new Block(markdown[..m.Groups[2].Index].Count(c => c == '\n') + 1, m.Groups[2].Value,
                                   m.Groups[3].Success ? m.Groups[3].Value.TrimEnd('\n') : ""))
            .ToList();

    /// <summary>The program: the blocks' using directives first, then each block followed by a separator line.</summary>
    internal static string Program(IReadOnlyList<Block> blocks, string page)
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
        return string.Join("\n", usings) + "\n\n" + body;
    }

    /// <summary>Builds and runs the blocks' program (compiler errors name <paramref name="page"/> and its lines); returns what each block printed.</summary>
    internal static string[] Run(IReadOnlyList<Block> blocks, string page)
    {
        var dir = DotnetProcess.NewScratchFolder("docs-program");
        try
        {
            string bin = AppContext.BaseDirectory;
            File.WriteAllText(Path.Combine(dir, "DocsProgram.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="Functional.Core" HintPath="{Path.Combine(bin, "Functional.Core.dll")}" />
                    <Reference Include="System.Numerics.Tensors" HintPath="{Path.Combine(bin, "System.Numerics.Tensors.dll")}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Program.cs"), Program(blocks, page));
            var r = DotnetProcess.Run(dir, TimeSpan.FromMinutes(3), "run", "-c", "Release");
            if (r.ExitCode != 0)
                throw new Xunit.Sdk.XunitException($"the C# blocks of {page} failed:\n{r.Transcript}");
            var parts = r.StdOut.Split(Separator + "\n");
            Assert.Equal(blocks.Count + 1, parts.Length);
            return parts[..^1];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
