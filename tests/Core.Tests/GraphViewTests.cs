using System.Runtime.CompilerServices;
using Functional.Nn;
using Functional.Optim;
using System.Text.RegularExpressions;
using Functional.Cli;

namespace Functional.Tests;

/// <summary>
/// Graphs.ToDot (the graph view). Expected node names and walk order come from PyTorch 1.13:
/// <c>Reference/torch_graphs.py</c> builds the same graphs and lists <c>grad_fn.next_functions</c> depth first
/// (its output is <c>Reference/torch_graphs.out</c>); ToDot numbers its op nodes in that same walk order.
/// Labels, colours and versions are checked against the values set up in each test (hand derivation).
/// </summary>
public class GraphViewTests
{
    private static readonly Lazy<Dictionary<string, string>> TorchWalks = new(() =>
    {
        var path = Path.Combine(DocsTests.RepoRoot(), "tests", "Core.Tests", "Reference", "torch_graphs.out");
        var result = new Dictionary<string, string>();
        foreach (var line in File.ReadAllLines(path))
        {
            var m = Regex.Match(line, @"^([\w-]+): ?(.*)$");
            if (m.Success) result[m.Groups[1].Value] = m.Groups[2].Value.Trim();
        }
        return result;
    });

    /// <summary>The op node labels' first lines (ids n1, n2, ... in walk order).</summary>
    internal static string OpNames(string dot) =>
        string.Join(" ", Regex.Matches(dot, @"^\tn\d+ \[label=""(\w+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value));

    /// <summary>The full label of the node with id <paramref name="id"/>, its escapes undone.</summary>
    internal static string Label(string dot, string id)
    {
        var m = Regex.Match(dot, $@"^\t{id} \[label=""((?:[^""\\]|\\.)*)""", RegexOptions.Multiline);
        Assert.True(m.Success, $"no node {id} in\n{dot}");
        return Regex.Replace(m.Groups[1].Value, @"\\(.)", x => x.Groups[1].Value == "n" ? "\n" : x.Groups[1].Value);
    }

    /// <summary>The attribute list of node <paramref name="id"/>.</summary>
    private static string NodeLine(string dot, string id) =>
        Regex.Match(dot, $@"^\t{id} \[.*\]$", RegexOptions.Multiline).Value;

    /// <summary>Ids of the nodes whose label contains <paramref name="text"/>.</summary>
    private static List<string> NodesWith(string dot, string text) =>
        [.. Regex.Matches(dot, @"^\t(\w+) \[label=""((?:[^""\\]|\\.)*)""", RegexOptions.Multiline)
                 .Where(m => m.Groups[2].Value.Contains(text)).Select(m => m.Groups[1].Value)];

    private static int Count(string dot, string pattern) => Regex.Matches(dot, pattern, RegexOptions.Multiline).Count;

    public static IEnumerable<object[]> SeedGraphNames() =>
        SeedGraphs.All.Where(g => g.File != "08-create-graph").Select(g => new object[] { g.File });

    [Theory]
    [MemberData(nameof(SeedGraphNames))]
    public void Seed_graph_nodes_have_PyTorchs_grad_fn_names_in_walk_order(string file)
    {
        var dot = SeedGraphs.All.Single(g => g.File == file).Dot();
        Assert.Equal(TorchWalks.Value[file], OpNames(dot));
    }

    [Fact]
    public void The_create_graph_derivative_has_PyTorchs_node_kinds()
    {
        // PyTorch: MulBackward0 MulBackward1 PowBackward0 AccumulateGrad. Its pow_backward multiplies by the exponent as a
        // C++ Scalar (mul.Scalar, MulBackward1); our PowBackward0 rule multiplies with the * operator, recorded as
        // MulBackward0 like Python's x * 3. The shape of the graph is the same: compare it with the numeral dropped.
        var dot = SeedGraphs.All.Single(g => g.File == "08-create-graph").Dot();
        static string Kinds(string names) => Regex.Replace(names, @"Backward\d", "Backward");
        Assert.Equal(Kinds(TorchWalks.Value["08-create-graph"]), Kinds(OpNames(dot)));
    }

    public static IEnumerable<object[]> ExtraGraphs() =>
        new[] { "linear-relu-mean", "diamond", "sub-div-neg", "softmax-log" }.Select(n => new object[] { n });

    // Leaves kept alive as long as the graph built from them: a leaf that no node saves is held only weakly by its
    // AccumulateGrad, so without this a collection before drawing would show it as "no longer referenced".
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor, Tensor[]> s_leaves = new();

    private static Tensor KeepAlive(Tensor output, params Tensor[] leaves)
    {
        s_leaves.AddOrUpdate(output, leaves);
        return output;
    }

    private static Tensor BuildExtra(string name)
    {
        switch (name)
        {
            case "linear-relu-mean":
            {
                var x = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } }, requiresGrad: true);
                var w = Tensor.From(new float[,] { { 0.5f, -1 }, { 2, 0.25f } }, requiresGrad: true);
                var b = Tensor.From([0.1f, -0.2f], requiresGrad: true);
                return (x.MatMul(w) + b).Relu().Mean();
            }
            case "diamond":
            {
                var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
                return KeepAlive((x.Exp() * x.Tanh()).Sum(), x);   // no node saves x, and AccumulateGrad holds it weakly
            }
            case "sub-div-neg":
            {
                var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
                var y = Tensor.From([4f, 5f, 6f], requiresGrad: true);
                return (-(x - y) / y).Sum();
            }
            default:
            {
                var x = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, requiresGrad: true);
                return x.Softmax(1).Log().Sum();
            }
        }
    }

    [Theory]
    [MemberData(nameof(ExtraGraphs))]
    public void Other_graphs_have_PyTorchs_grad_fn_names_in_walk_order(string name) =>
        Assert.Equal(TorchWalks.Value[name], OpNames(Graphs.ToDot(BuildExtra(name))));

    [Fact]
    public void A_leaf_shows_its_name_shape_and_that_it_requires_grad()
    {
        var w = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, requiresGrad: true);
        var dot = Graphs.ToDot(w.Sum(), ("w", w));
        Assert.Equal("w\nFloat [2, 3]\nrequires_grad=True", Label(dot, "t2"));
        Assert.Contains("fillcolor=\"lightblue\"", NodeLine(dot, "t2"));
        Assert.Contains("\tt2 -> n2\n", dot);            // leaf -> its AccumulateGrad
        Assert.Equal("AccumulateGrad", Label(dot, "n2"));
    }

    [Fact]
    public void An_unnamed_leaf_shows_its_dtype_and_shape_only()
    {
        var x = Tensor.From([1.0, 2.0], requiresGrad: true);
        Assert.Equal("Double [2]\nrequires_grad=True", Label(Graphs.ToDot(x.Exp()), "t2"));
    }

    [Fact]
    public void The_tensor_itself_is_drawn_green_below_its_grad_fn()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp().Sum();
        var dot = Graphs.ToDot(y, ("loss", y));
        Assert.Equal("loss\nFloat []", Label(dot, "t1"));
        Assert.Contains("fillcolor=\"darkolivegreen1\"", NodeLine(dot, "t1"));
        Assert.Contains("\tn1 -> t1\n", dot);
        Assert.Equal("SumBackward0\n-> loss", Label(dot, "n1"));
    }

    [Fact]
    public void A_tensor_without_history_is_one_node_that_says_whether_it_requires_grad()
    {
        var c = Tensor.From([1f, 2f]);
        var dot = Graphs.ToDot(c, ("c", c));
        Assert.Equal("c\nFloat [2]\nrequires_grad=False", Label(dot, "t1"));
        Assert.Equal(0, Count(dot, "->"));
        // Seed 10: a leaf written under NoGrad has no graph and version 1 (torch_graphs.out: "a version 1").
        var ten = SeedGraphs.All.Single(g => g.Number == 10).Dot();
        Assert.Equal("a\nFloat [3]\nrequires_grad=True\nversion 1", Label(ten, "t1"));
    }

    [Fact]
    public void A_saved_tensor_shows_the_version_it_was_saved_at_and_now()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Sigmoid();
        var dot = Graphs.ToDot(y.Sum(), ("x", x), ("y", y));
        var s = Assert.Single(NodesWith(dot, "saved result"));
        Assert.Equal("saved result: y\nFloat [2]\nversion 0 (saved) = 0 (now)", Label(dot, s));
        Assert.Contains("fillcolor=\"orange\"", NodeLine(dot, s));
        Assert.Contains("\tn2 -> s1 [dir=\"none\"]\n", dot);
    }

    [Fact]
    public void A_saved_tensor_is_labelled_with_its_slot_and_name()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var dot = Graphs.ToDot(x.Exp().Sum() + x.Log().Sum(), ("x", x));
        Assert.Single(NodesWith(dot, "saved self: x\nFloat [2]".Replace("\n", @"\n")));   // LogBackward0 saves x
    }

    [Fact]
    public void A_saved_tensor_written_in_place_since_is_highlighted_as_stale()
    {
        // Seed 3. PyTorch (torch_graphs.out) refuses to unpack it: "is at version 1; expected version 0 instead."
        var dot = SeedGraphs.All.Single(g => g.Number == 3).Dot();
        var s = Assert.Single(NodesWith(dot, "STALE"));
        Assert.StartsWith("saved result: out\nFloat [3]\nSTALE: saved at version 0, now 1\n", Label(dot, s));
        Assert.Contains("backward will fail", Label(dot, s));
        Assert.Contains("fillcolor=\"#ff6b6b\"", NodeLine(dot, s));
        Assert.Contains("color=\"red\"", NodeLine(dot, s));
    }

    [Fact]
    public void A_write_through_a_view_makes_the_saved_base_stale_too()
    {
        var x = Tensor.From([1f, 2f, 3f, 4f], requiresGrad: true);
        var y = x.Exp();                        // ExpBackward0 saves its result
        y.Detach().Reshape(2, 2).Fill_(5f);     // a tracked write through a view of a Detach() alias
        var dot = Graphs.ToDot(y.Sum());
        Assert.Contains("STALE: saved at version 0, now 1", Label(dot, Assert.Single(NodesWith(dot, "saved result"))));
    }

    [Fact]
    public void Saved_tensors_freed_by_backward_are_drawn_as_freed()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Sigmoid().Sum();
        y.Backward();
        var dot = Graphs.ToDot(y);
        Assert.Equal("saved result\nfreed by backward (saved at version 0)", Label(dot, "s1"));
        Assert.Contains("(saved tensors freed by backward)", Label(dot, "n2"));
        Assert.DoesNotContain("freed", Label(dot, "n1"));   // SumBackward0 saved nothing
    }

    [Fact]
    public void RetainGraph_keeps_the_saved_tensors_drawn()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Sigmoid().Sum();
        y.Backward(retainGraph: true);
        Assert.DoesNotContain("freed", Graphs.ToDot(y));
    }

    [Fact]
    public void A_leaf_used_twice_is_drawn_once_with_an_edge_to_each_use()
    {
        var dot = Graphs.ToDot(BuildExtra("diamond"));
        Assert.Single(NodesWith(dot, "AccumulateGrad"));
        Assert.Single(NodesWith(dot, "requires_grad=True"));
        var acc = NodesWith(dot, "AccumulateGrad")[0];
        Assert.Equal(2, Count(dot, $@"^\t{acc} -> n\d+$"));   // to ExpBackward0 and TanhBackward0
    }

    [Fact]
    public void A_named_result_superseded_since_is_marked_on_its_node()
    {
        // Seed 11: m2.Detach_() supersedes m2; the graph built before keeps its node (PyTorch: unchanged graph too).
        var dot = SeedGraphs.All.Single(g => g.Number == 11).Dot();
        Assert.Equal("MulBackward0\n-> m2 (superseded by Detach_())", Label(dot, "n3"));
        Assert.Equal(2, Count(dot, @"^\tn3 -> n2$"));   // m2 * m2: both inputs come from the same node
    }

    [Fact]
    public void Inputs_that_need_no_gradient_are_not_drawn()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var c = Tensor.From([3f, 4f]);
        var dot = Graphs.ToDot((x * c).Sum(), ("x", x), ("c", c));
        Assert.Equal("SumBackward0 MulBackward0 AccumulateGrad", OpNames(dot));
        Assert.Single(NodesWith(dot, "requires_grad"));
        Assert.Single(NodesWith(dot, "saved other: c"));   // but MulBackward0 saved c (its other) for x's gradient
    }

    [Fact]
    public void The_same_graph_always_gives_the_same_text()
    {
        foreach (var g in SeedGraphs.All) Assert.Equal(g.Dot(), g.Dot());
        Assert.Equal(Graphs.ToDot(BuildExtra("linear-relu-mean")), Graphs.ToDot(BuildExtra("linear-relu-mean")));
    }

    [Fact]
    public void Names_are_escaped_for_dot()
    {
        var x = Tensor.From([1f], requiresGrad: true);
        var dot = Graphs.ToDot(x.Exp(), ("say \"hi\"\\\nnow", x));
        Assert.Contains(@"label=""say \""hi\""\\\nnow\nFloat [1]", dot);
        Assert.Equal("say \"hi\"\\\nnow\nFloat [1]\nrequires_grad=True", Label(dot, "t2"));
        Assert.Equal("\"a\\\\b\\\"c\\nd\"", DotGraph.Quote("a\\b\"c\r\nd"));
    }

    [Fact]
    public void A_long_chain_is_drawn_without_recursion()
    {
        var x = Tensor.From([0.5f], requiresGrad: true);
        var y = x;
        for (int i = 0; i < 50_000; i++) y = y * 1f;
        var dot = Graphs.ToDot(y);
        Assert.Equal(50_001, Count(dot, @"^\tn\d+ \["));
        Assert.Equal(50_001 + 1, Count(dot, @"^\t\w+ -> \w+$"));   // chain edges, the leaf's, the tensor's
    }

    // ---- call sites (issue 8's infrastructure): cuts and stale saved tensors name the same places the errors do ----

    private static int Line([CallerLineNumber] int line = 0) => line;

    /// <summary>The line of SeedGraphs.cs whose code contains <paramref name="code"/> inside method <paramref name="method"/>.</summary>
    private static int SeedGraphsLine(string method, string code)
    {
        var lines = File.ReadAllLines(Path.Combine(DocsTests.RepoRoot(), "src", "Cli", "SeedGraphs.cs"));
        int start = Array.FindIndex(lines, l => l.Contains($"static string {method}()"));
        return Array.FindIndex(lines, start, l => l.Contains(code)) + 1;
    }

    private static List<string> CutEdges(string dot) =>
        [.. Regex.Matches(dot, @"^	\w+ -> \w+ \[style=""dashed"".*$", RegexOptions.Multiline).Select(m => m.Value)];

    [Fact]
    public void A_detached_input_is_drawn_as_a_cut_edge_with_where_it_was_detached()
    {
        var dot = SeedGraphs.All.Single(g => g.Number == 2).Dot();
        int line = SeedGraphsLine("Graph2", "@out.Detach()");
        var cut = Assert.Single(CutEdges(dot));
        // from SigmoidBackward0 (out's node, n3) to MulBackward0 (n2), whose input 1 is c
        Assert.Equal($"\tn3 -> n2 [style=\"dashed\" color=\"red\" fontcolor=\"red\" arrowhead=\"tee\" label=\"cut (input 1): Detach() at SeedGraphs.cs:{line}\"]", cut);
        Assert.Equal("SigmoidBackward0\n-> out", Label(dot, "n3"));
        Assert.Equal("MulBackward0", Label(dot, "n2"));
    }

    [Fact]
    public void A_detached_tensor_drawn_alone_shows_the_node_it_was_cut_from()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp();
        var c = y.Detach(); int line = Line();
        var dot = Graphs.ToDot(c, ("c", c));
        Assert.Equal("c\nFloat [2]\nrequires_grad=False", Label(dot, "t1"));
        Assert.StartsWith("ExpBackward0\nFloat32 [2] (grad_fn=ExpBackward0)\n(history cut", Label(dot, "c1"));
        Assert.Contains("style=\"filled,dashed\"", NodeLine(dot, "c1"));
        Assert.Contains($"\tc1 -> t1 [style=\"dashed\"", Assert.Single(CutEdges(dot)));
        Assert.Contains($"label=\"cut: Detach() at GraphViewTests.cs:{line}\"", dot);
        Assert.Equal("", OpNames(dot));   // the source's history is not walked
    }

    [Fact]
    public void An_input_computed_under_NoGrad_is_a_cut_from_the_scope()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var w = Tensor.From([3f, 4f], requiresGrad: true);
        Tensor h;
        int line = Line() + 1;
        using (Autograd.NoGrad())
            h = x.Exp();
        var dot = Graphs.ToDot((w * h).Sum(), ("x", x), ("w", w), ("h", h));
        var cut = Assert.Single(CutEdges(dot));
        Assert.Contains($"label=\"cut (input 1): a NoGrad scope entered at GraphViewTests.cs:{line}\"", cut);
        // the source is x's AccumulateGrad, not otherwise in this graph (only w is): drawn on its own
        var source = Regex.Match(cut, @"^\t(\w+) ->").Groups[1].Value;
        Assert.StartsWith("AccumulateGrad\n", Label(dot, source));
        Assert.Equal("SumBackward0 MulBackward0 AccumulateGrad", OpNames(dot));
    }

    [Fact]
    public void Two_cuts_from_the_same_outside_source_share_its_node()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp();
        var w = Tensor.From([3f, 4f], requiresGrad: true);
        var dot = Graphs.ToDot((w * y.Detach() + y.Detach()).Sum());
        Assert.Equal(2, CutEdges(dot).Count);
        Assert.Single(NodesWith(dot, "history cut"));
    }

    [Fact]
    public void An_outside_cut_source_is_still_drawn_once_after_its_forward_handles_are_collected()
    {
        // The cut origin holds its source node weakly; the graph that uses the cut pins it (CutInput.Source). Without
        // that pin the collector would take ExpBackward0 here and the two cuts would each get their own source node.
        var loss = TwoCutsOfACollectedExp();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var dot = Graphs.ToDot(loss);
        Assert.Equal(2, CutEdges(dot).Count);
        Assert.StartsWith("ExpBackward0\n", Label(dot, Assert.Single(NodesWith(dot, "history cut"))));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Tensor TwoCutsOfACollectedExp()
    {
        var y = Tensor.From([1f, 2f], requiresGrad: true).Exp();
        var w = Tensor.From([3f, 4f], requiresGrad: true);
        return (w * y.Detach() + y.Detach()).Sum();
    }

    [Fact]
    public void A_stale_saved_tensor_names_the_save_and_the_write_sites_the_version_error_names()
    {
        // Seed 3's sites, read from SeedGraphs.cs: Sigmoid saved its result, Detach() made the alias, Zero_ wrote it.
        var dot = SeedGraphs.All.Single(g => g.Number == 3).Dot();
        int save = SeedGraphsLine("Graph3", "a.Sigmoid()"), alias = SeedGraphsLine("Graph3", "@out.Detach()"), write = SeedGraphsLine("Graph3", "c.Zero_()");
        var label = Label(dot, Assert.Single(NodesWith(dot, "STALE")));
        Assert.Contains($"modified in place since SigmoidBackward0 saved it at SeedGraphs.cs:{save}:", label);
        Assert.Contains($"\n  Zero_ through a Detach() alias created at SeedGraphs.cs:{alias}, written at SeedGraphs.cs:{write} (version 1)\n", label);

        // The same graph built here: the backward's error names the same three places as the drawing.
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid(); int saveHere = Line();
        var c = @out.Detach(); int aliasHere = Line();
        c.Zero_(); int writeHere = Line();
        var loss = @out.Sum();
        var drawn = Label(Graphs.ToDot(loss), "s1");
        var error = Assert.Throws<VersionMismatchException>(() => loss.Backward()).Message;
        foreach (var l in new[] { saveHere, aliasHere, writeHere })
        {
            Assert.Contains($"GraphViewTests.cs:{l}", drawn);
            Assert.Contains($"GraphViewTests.cs:{l}", error);
        }
    }

    [Fact]
    public void More_writes_than_the_log_keeps_are_counted()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp();
        var alias = y.Detach();
        for (int i = 0; i < WriteLog.Capacity + 3; i++) alias.Add_(Tensor.From([1f, 1f]));
        var label = Label(Graphs.ToDot(y), "s1");
        Assert.Contains($"STALE: saved at version 0, now {WriteLog.Capacity + 3}", label);
        Assert.Equal(WriteLog.Capacity, Regex.Matches(label, @"\n  Add_ through").Count);
        Assert.Contains("\n  (3 times more, not logged: older)", label);
    }

    [Fact]
    public void A_write_through_Data_is_flagged_although_the_versions_agree()
    {
        // Seed 4. PyTorch (torch_graphs.out): out._version is still 0 after out.data.zero_(), and backward runs.
        var dot = SeedGraphs.All.Single(g => g.Number == 4).Dot();
        var s = Assert.Single(NodesWith(dot, "saved result"));
        var label = Label(dot, s);
        Assert.StartsWith("saved result: out\nFloat [3]\nversion 0 (saved) = 0 (now)\nbut its storage was written once since", label);
        Assert.Contains("(.Data)", label);
        Assert.Contains("fillcolor=\"plum\"", NodeLine(dot, s));
        Assert.DoesNotContain("STALE", dot);
    }

    [Fact]
    public void Tracked_writes_and_optimizer_steps_are_not_mistaken_for_Data_writes()
    {
        var p = new Parameter(Tensor.From([1f, 2f]));
        var y = p.Exp();                                     // saves its result (not p)
        var z = p * 2f + p.Log();                            // LogBackward0 saves p
        p.Grad = Tensor.From([0.5f, 0.5f]);
        var adamW = new AdamW([p], lr: 0.1f, weightDecay: 0.1f);   // writes p twice per step (PyTorch's version counts)
        adamW.Step();
        var label = Label(Graphs.ToDot(z), Assert.Single(NodesWith(Graphs.ToDot(z), "saved self")));
        Assert.Contains("STALE: saved at version 0, now 2", label);
        Assert.DoesNotContain(".Data", label);
        Assert.DoesNotContain(".Data", Graphs.ToDot(y));
    }

    [Fact]
    public void Null_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => Graphs.ToDot(null!));
        Assert.Throws<ArgumentNullException>(() => Graphs.ToDot(Tensor.From([1f]), null!));
        var e = Assert.Throws<ArgumentException>(() => Graphs.ToDot(Tensor.From([1f]), ("x", Tensor.From([1f])), ("y", null!)));
        Assert.Contains("names[1] has a null tensor", e.Message);
    }
}
