using System.CommandLine;
using System.Diagnostics;

namespace Functional.Cli;

/// <summary>
/// The backward graphs of the seed scenarios (see <see cref="Seeds"/>), drawn with <see cref="Graphs.ToDot"/> at the
/// moment each scenario is about to call backward. The CLI's <c>graph</c> command writes them as .dot files (and .svg
/// where Graphviz's <c>dot</c> is installed); docs/graphs.md shows the code between <c>// doc:begin</c> and
/// <c>// doc:end</c> and the pictures, and a test checks that docs/graphs/ holds what this file draws now.
/// </summary>
public static class SeedGraphs
{
    /// <summary>One graph: the seed scenario it belongs to, the file name (without extension), a title, and the drawing.</summary>
    public sealed record GraphScenario(int Number, string File, string Title, Func<string> Dot);

    /// <summary>One graph per seed scenario, in order.</summary>
    public static IReadOnlyList<GraphScenario> All { get; } =
    [
        new(1, "01-sigmoid", "sigmoid, then sum: the graph backward walks", Graph1),
        new(2, "02-detach", "Detach() cuts the graph: no gradient flows through c", Graph2),
        new(3, "03-version-error", "a write through a Detach() alias makes the saved result stale", Graph3),
        new(4, "04-data-write", "the same write through Data: the versions look fine", Graph4),
        new(5, "05-sum-saves-nothing", "SumBackward0 saves nothing, so writing its output is harmless", Graph5),
        new(6, "06-detach-shares-storage", "a write through y.Detach() bumps y's version", Graph6),
        new(7, "07-pow-mul-add", "z2 = w2 * x2.Pow(w1) + 1: three leaves", Graph7),
        new(8, "08-create-graph", "the gradient 3x^2 computed with createGraph has a graph of its own", Graph8),
        new(9, "09-non-scalar", "y = x * 2: backward from it needs a gradient", Graph9),
        new(10, "10-leaf-written", "a leaf written under NoGrad: no graph, version 1", Graph10),
        new(11, "11-detach-in-place", "Detach_() after the graph was built leaves it intact", Graph11),
    ];

    /// <summary>Writes every graph as <c>DIR/NN-name.dot</c>, and <c>.svg</c> when <c>dot</c> is on the PATH; returns the
    /// files written.</summary>
    public static List<string> Write(string dir, TextWriter log)
    {
        Directory.CreateDirectory(dir);
        string? dot = FindDot();
        if (dot is null) log.WriteLine("Graphviz's dot is not on the PATH: writing .dot files only (Debian: apt-get install graphviz).");
        var written = new List<string>();
        foreach (var g in All)
        {
            string dotFile = Path.Combine(dir, g.File + ".dot");
            File.WriteAllText(dotFile, g.Dot());
            written.Add(dotFile);
            log.WriteLine($"wrote {dotFile}");
            if (dot is null) continue;
            string svg = Path.Combine(dir, g.File + ".svg");
            Render(dot, dotFile, svg);
            written.Add(svg);
            log.WriteLine($"wrote {svg}");
        }
        return written;
    }

    /// <summary>The CLI command <c>graph [--out DIR]</c>.</summary>
    public static Command Command()
    {
        var outDir = new Option<string>("--out") { Description = "Folder to write the .dot (and .svg) files to", DefaultValueFactory = _ => "graphs" };
        var command = new Command("graph", "Draw the backward graph of each seed scenario as Graphviz DOT (and SVG when Graphviz's dot is installed)") { outDir };
        command.SetAction(r =>
        {
            try
            {
                Write(r.GetValue(outDir)!, Console.Out);
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                Console.Error.WriteLine($"graph: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The full path of Graphviz's <c>dot</c> if it is on the PATH, else null.</summary>
    public static string? FindDot()
    {
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in OperatingSystem.IsWindows() ? new[] { "dot.exe" } : ["dot"])
            {
                var path = Path.Combine(d, name);
                if (File.Exists(path)) return path;
            }
        return null;
    }

    private static void Render(string dot, string dotFile, string svg)
    {
        var psi = new ProcessStartInfo(dot) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-Tsvg", dotFile, "-o", svg }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {dot}");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{dot} -Tsvg {dotFile} failed ({p.ExitCode}): {err.Trim()}");
    }

    private static string Graph1()
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();
        return Graphs.ToDot(@out.Sum(), ("a", a), ("out", @out));
        // doc:end
    }

    private static string Graph2()
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();
        var c = @out.Detach();            // shares out's storage; no history
        var loss = (@out * c).Sum();      // the gradient reaches a through out only
        return Graphs.ToDot(loss, ("a", a), ("out", @out), ("c", c), ("loss", loss));
        // doc:end
    }

    private static string Graph3()
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();           // SigmoidBackward0 saves its output
        var c = @out.Detach();
        c.Zero_();                        // tracked: bumps the version out and c share
        return Graphs.ToDot(@out.Sum(), ("a", a), ("out", @out));
        // doc:end
    }

    private static string Graph4()
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();
        var c = @out.Data;                // same storage, its own version counter
        c.Zero_();                        // invisible to autograd
        return Graphs.ToDot(@out.Sum(), ("a", a), ("out", @out));
        // doc:end
    }

    private static string Graph5()
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid().Sum();     // SumBackward0 saves nothing
        @out.Detach().Zero_();
        return Graphs.ToDot(@out, ("a", a), ("out", @out));
        // doc:end
    }

    private static string Graph6()
    {
        // doc:begin
        var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var y = x * 2;
        var z = y.Detach();
        z[0] = 100f;                      // a tracked write into shared storage
        return Graphs.ToDot(y, ("x", x), ("y", y));
        // doc:end
    }

    private static string Graph7()
    {
        // doc:begin
        var x2 = Tensor.From([0.5f], requiresGrad: true);
        var w1 = Tensor.From([2f], requiresGrad: true);
        var w2 = Tensor.From([2f], requiresGrad: true);
        var y2 = x2.Pow(w1);
        var z2 = w2 * y2 + 1;
        return Graphs.ToDot(z2, ("x2", x2), ("w1", w1), ("w2", w2), ("y2", y2), ("z2", z2));
        // doc:end
    }

    private static string Graph8()
    {
        // doc:begin
        var x3 = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var dy = Autograd.Grad([x3.Pow(3).Sum()], [x3], createGraph: true)[0]!;
        return Graphs.ToDot(dy, ("x3", x3), ("dy", dy));
        // doc:end
    }

    private static string Graph9()
    {
        // doc:begin
        var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var y = x * 2;
        return Graphs.ToDot(y, ("x", x), ("y", y));
        // doc:end
    }

    private static string Graph10()
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        using (Autograd.NoGrad())
            a.Zero_();                    // how optimizers update parameters
        return Graphs.ToDot(a, ("a", a));
        // doc:end
    }

    private static string Graph11()
    {
        // doc:begin
        var x2 = Tensor.From([1f, 1f], requiresGrad: true);
        var m2 = x2 * 3;
        var y2 = (m2 * m2).Sum();         // MulBackward0 saves m2 twice
        m2.Detach_();                     // m2 is superseded; the graph is untouched
        return Graphs.ToDot(y2, ("x2", x2), ("m2", m2), ("y2", y2));
        // doc:end
    }
}
