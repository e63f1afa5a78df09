using System.Text.RegularExpressions;
using Functional.Cli;

namespace Functional.Tests;

/// <summary>
/// Keeps docs/diagnostics.md true: each <c>&lt;!-- diag:key --&gt;</c> block is the code between that scenario's doc
/// markers in src/Cli/DiagnosticScenarios.cs, the output block after it is exactly what the scenario prints, and the
/// PyTorch block after that is the scenario's section of Reference/diagnostics_reference.out (PyTorch 1.13, produced by
/// Reference/diagnostics_reference.py).
/// </summary>
public class DiagnosticsDocTests
{
    /// <summary>A diagnostics block: key, code, Functional's output, PyTorch's output.</summary>
    internal static readonly Regex Marked = new(
        @"<!-- diag:([\w-]+) -->\s*```csharp\n(.*?)\n```\s*Output:\s*```text\n(.*?)\n```\s*PyTorch 1\.13[^\n]*\s*```text\n(.*?)\n```",
        RegexOptions.Singleline);

    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([DocsTests.RepoRoot(), .. path])).Replace("\r\n", "\n");

    private static Dictionary<string, string> Sources()
    {
        var src = Read("src", "Cli", "DiagnosticScenarios.cs");
        var methods = Regex.Matches(src, @"new\(""([\w-]+)"", ""[^""]*"", (\w+)\)").ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value);
        var result = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(src, @"private static void (\w+)\(Action<object\?> print\)\s*\{\s*// doc:begin\n(.*?)\n\s*// doc:end", RegexOptions.Singleline))
        {
            var lines = m.Groups[2].Value.Split('\n');
            int indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
            result[methods[m.Groups[1].Value]] = string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
        }
        return result;
    }

    private static Dictionary<string, string> TorchSections() =>
        Read("tests", "Core.Tests", "Reference", "diagnostics_reference.out").Split("== ", StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Split('\n', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].TrimEnd('\n'));

    [Fact]
    public void Diagnostics_doc_shows_each_scenario_its_real_output_and_PyTorchs()
    {
        var text = Read("docs", "diagnostics.md");
        var sources = Sources();
        var torch = TorchSections();
        var shown = new List<string>();
        foreach (Match m in Marked.Matches(text))
        {
            string key = m.Groups[1].Value;
            shown.Add(key);
            Assert.Equal(sources[key], m.Groups[2].Value);
            var output = new StringWriter { NewLine = "\n" };
            DiagnosticScenarios.All.Single(s => s.Key == key).Run(Seeds.Printer(output));
            Assert.Equal(m.Groups[3].Value, output.ToString().TrimEnd('\n'));
            Assert.Equal(torch[key], m.Groups[4].Value);
        }
        Assert.Equal(DiagnosticScenarios.All.Select(s => s.Key), shown);
        Assert.Contains("The variable in question was changed in there or anywhere later. Good luck!", torch["detach-write-anomaly"]);
    }

    [Fact]
    public void Each_scenario_that_raises_names_this_repositorys_lines_for_the_save_and_the_write()
    {
        var output = new StringWriter { NewLine = "\n" };
        DiagnosticScenarios.RunAll(output);
        var text = output.ToString();
        var src = Read("src", "Cli", "DiagnosticScenarios.cs").Split('\n');
        int LineOf(string code) => Array.FindIndex(src, l => l.Contains(code)) + 1;
        int LineAfter(string anchor, string code) => Array.FindIndex(src, LineOf(anchor), l => l.Trim() == code) + 1;
        Assert.Contains($"saved by Sigmoid at DiagnosticScenarios.cs:{LineOf("var @out = a.Sigmoid();")} (version 0); modified by Zero_ through a " +
                        $"Detach() alias created at DiagnosticScenarios.cs:{LineOf("var c = @out.Detach();")}, written at " +
                        $"DiagnosticScenarios.cs:{LineOf("c.Zero_();")} (version 1)", text);
        Assert.Contains($"saved by Pow at DiagnosticScenarios.cs:{LineOf("var loss = w.Pow(2f).Sum();")} (version 0); modified by Sgd.Step at " +
                        $"DiagnosticScenarios.cs:{LineOf("opt.Step();")} (version 1)", text);
        Assert.Contains($"Add_ at DiagnosticScenarios.cs:{LineOf("try { w.Add_(1f); }")} on Float32 [3]", text);
        Assert.Contains($"superseded by Mul_() at DiagnosticScenarios.cs:{LineOf("var y2 = y.Mul_(3f);")}", text);
        Assert.Contains($"were freed by the Backward() at DiagnosticScenarios.cs:{LineAfter("private static void SecondBackward", "loss.Backward();")}.", text);
    }
}
