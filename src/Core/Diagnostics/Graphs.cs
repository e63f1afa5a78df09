namespace Functional;

// Note [Graph View]
// Graphs.ToDot draws the backward graph behind a tensor the way torchviz's make_dot(show_saved=True) does:
//   - one grey box per node, named as PyTorch names its grad_fn (SigmoidBackward0; AccumulateGrad for a leaf);
//   - leaves light blue with their name, shape, and whether they require grad; the tensor drawn green;
//   - saved tensors orange with the version they were saved at and the version now; a saved tensor whose
//     storage was written since (backward will fail with the version error) red, with where it was saved and the
//     logged writes (VersionCounter.Writes), the call sites the version error names;
//   - a saved tensor whose storage was written more often than its version moved (Storage.Writes: the writes went
//     through a Data alias, which has a counter of its own) purple: backward will silently use the new values;
//   - an input cut from its history (Node.Cuts, or the drawn tensor's own CutOrigin) as a dashed red edge from the
//     node it was cut from, labelled with the cut and its call site; a source outside the graph is drawn alone;
//   - edges point the way the forward ran (input to op), as in torchviz.
// Node ids are numbered in the order of a depth-first walk from the tensor (inputs in order), so the same
// graph always gives the same text: tests compare it, and docs/graphs/ holds what the CLI's `graph` wrote.

/// <summary>Pictures of backward graphs: Graphviz DOT text for a tensor's history (like torchviz's <c>make_dot</c>).</summary>
public static class Graphs
{
    /// <summary>
    /// The backward graph behind <paramref name="tensor"/> as Graphviz DOT (render it with <c>dot -Tsvg</c>): op
    /// nodes with PyTorch's grad_fn names, leaves with their shape and whether they require grad, saved tensors with
    /// their saved and current versions (red when modified in place since: backward would fail). PyTorch:
    /// <c>torchviz.make_dot(t, params=dict(...), show_saved=True)</c>.
    /// </summary>
    /// <param name="tensor">The tensor whose history to draw (usually a loss).</param>
    /// <param name="names">Names for tensors that appear in the graph (leaves, saved tensors, the tensor itself, or a
    /// result whose node is drawn), like torchviz's <c>params</c>.</param>
    public static string ToDot(Tensor tensor, params (string Name, Tensor Tensor)[] names)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(names);
        for (int i = 0; i < names.Length; i++)
            if (names[i].Name is null || names[i].Tensor is null)
                throw new ArgumentException($"names[{i}] has a null {(names[i].Name is null ? "name" : "tensor")}: each entry is (\"name\", tensor).", nameof(names));
        return new GraphDrawing(names).Draw(tensor);
    }
}

/// <summary>One drawing in progress: the ids given so far and the DOT text (Note [Graph View]).</summary>
internal sealed class GraphDrawing((string Name, Tensor Tensor)[] names)
{
    private const string OpColor = "lightgrey", LeafColor = "lightblue", RootColor = "darkolivegreen1",
                         SavedColor = "orange", StaleColor = "#ff6b6b", FreedColor = "white",
                         DataWriteColor = "plum", CutColor = "red";

    private readonly DotGraph _dot = new();
    private readonly Dictionary<Node, string> _nodeIds = new(ReferenceEqualityComparer.Instance);
    private readonly List<(string To, string Input, CutOrigin Origin, Node? Source)> _cuts = [];
    private int _tensors, _saved, _cutSources;

    public string Draw(Tensor root)
    {
        string rootId = NewTensorId();
        if (root._gradFn is null)
        {
            _dot.Node(rootId, TensorLabel(root, leaf: true), ("fillcolor", root.RequiresGrad ? LeafColor : RootColor));
            if (root._origin is { } origin) _cuts.Add((rootId, "", origin, origin.Source));
        }
        else
        {
            _dot.Node(rootId, TensorLabel(root, leaf: false), ("fillcolor", RootColor));
            string top = Walk(root._gradFn);
            _dot.Edge(top, rootId);
        }
        DrawCuts();
        return _dot.ToString();
    }

    /// <summary>
    /// Draws each cut (an input of a recorded op, or the tensor itself, computed from a tensor with history by
    /// Detach(), Data, NoGrad, ...) as a dashed red edge from the source's node, labelled with the cut and where it
    /// was made (the call sites of Diagnostics/CallSite.cs, the same the error messages name). A source that is not
    /// part of this backward is drawn alone, dashed: the gradient stops at the cut, so its inputs are not walked.
    /// </summary>
    private void DrawCuts()
    {
        var drawnSources = new Dictionary<Node, string>(ReferenceEqualityComparer.Instance);
        foreach (var (to, input, origin, source) in _cuts)
        {
            string from;
            if (source is not null && _nodeIds.TryGetValue(source, out var inGraph)) from = inGraph;
            else if (source is not null && drawnSources.TryGetValue(source, out var drawn)) from = drawn;
            else
            {
                from = "c" + ++_cutSources;
                _dot.Node(from, $"{origin.SourceName}\n{origin.SourceDescription}\n(history cut: not walked by this backward)",
                          ("fillcolor", FreedColor), ("style", "filled,dashed"));
                if (source is not null) drawnSources[source] = from;
            }
            _dot.Edge(from, to, ("style", "dashed"), ("color", CutColor), ("fontcolor", CutColor), ("arrowhead", "tee"),
                      ("label", $"cut{input}: {origin.Describe()}"));
        }
    }

    /// <summary>Draws every node reachable from <paramref name="start"/> (depth first, iteratively: a 100,000-node chain
    /// must not overflow the stack) and returns the id of <paramref name="start"/>.</summary>
    private string Walk(Node start)
    {
        string startId = Visit(start);
        var stack = new Stack<(Node Node, int NextIndex)>();
        stack.Push((start, 0));
        while (stack.Count > 0)
        {
            var (n, k) = stack.Pop();
            if (k >= n.Next.Length) continue;
            stack.Push((n, k + 1));
            if (n.Next[k] is not { } child) continue;
            bool seen = _nodeIds.ContainsKey(child);
            string childId = seen ? _nodeIds[child] : Visit(child);
            _dot.Edge(childId, _nodeIds[n]);
            if (!seen) stack.Push((child, 0));
        }
        return startId;
    }

    /// <summary>Gives <paramref name="node"/> its id and draws it with its leaf or saved tensors.</summary>
    private string Visit(Node node)
    {
        string id = "n" + (_nodeIds.Count + 1);
        _nodeIds[node] = id;
        switch (node)
        {
            case AccumulateGrad acc:
                _dot.Node(id, node.Name, ("fillcolor", OpColor));
                string leafId = NewTensorId();
                if (acc.Leaf.TryGetTarget(out var leaf))
                    _dot.Node(leafId, TensorLabel(leaf, leaf: true), ("fillcolor", LeafColor));
                else
                    _dot.Node(leafId, "(leaf no longer referenced)", ("fillcolor", LeafColor));
                _dot.Edge(leafId, id);
                break;
            case FunctionNode fn:
                _dot.Node(id, OpLabel(fn), ("fillcolor", OpColor));
                if (fn.Cuts is { } cuts)
                    foreach (var c in cuts) _cuts.Add((id, $" (input {c.Input})", c.Origin, c.Source));   // pinned by this graph
                for (int i = 0; i < fn.Saved.Count; i++)
                    if (fn.Saved[i] is { } s) DrawSaved(id, fn, s, "saved " + SlotName(fn, i));
                if (fn.SavedOutputTensor is { } o) DrawSaved(id, fn, o, "saved result");
                break;
            default:
                _dot.Node(id, node.Name, ("fillcolor", OpColor));
                break;
        }
        return id;
    }

    /// <summary>A saved input's name, as PyTorch's grad_fn attributes name them (<c>_saved_self</c>, <c>_saved_other</c>):
    /// a custom Function's own names (ctx.Save), else self and other for the first two slots (Note [Op Declarations]).</summary>
    private static string SlotName(FunctionNode fn, int i) =>
        fn.SavedNames is { } own && i < own.Length ? own[i] : i switch { 0 => "self", 1 => "other", _ => $"[{i}]" };

    private string OpLabel(FunctionNode fn)
    {
        string label = fn.Name;
        foreach (var (name, t) in names)
            if (ReferenceEquals(t._gradFn, fn))
                label += $"\n-> {name}" + (t.IsSuperseded ? $" (superseded by {t._meta.SupersededBy})" : "");
        if (fn.IsReleased && (fn.Saved.Count > 0 || fn.SavedOutputTensor is not null))
            label += "\n(saved tensors freed by backward)";
        return label;
    }

    private void DrawSaved(string nodeId, FunctionNode fn, SavedTensor s, string slot)
    {
        string id = "s" + ++_saved;
        if (s.Peek is not { } t)
        {
            _dot.Node(id, $"{slot}\nfreed by backward (saved at version {s.SavedVersion})", ("fillcolor", FreedColor));
        }
        else
        {
            string label = $"{slot}{NameSuffix(t)}\n{t.DType.ScalarTypeName()} {Shape.Format(t._shape)}";
            int now = t.Version;
            // Writes the version did not see: through an alias with its own counter (Data).
            int untracked = t._storage.Writes - s.StorageWrites - (now - s.SavedVersion);
            if (now == s.SavedVersion)
            {
                label += $"\nversion {s.SavedVersion} (saved) = {now} (now)";
                if (untracked > 0)
                {
                    label += $"\nbut its storage was written {Times(untracked)} since, through an alias with a\n" +
                             "version counter of its own (.Data): backward will not notice\nand the gradient will silently use the new values";
                    _dot.Node(id, label, ("fillcolor", DataWriteColor), ("color", "purple"), ("penwidth", "2"));
                }
                else _dot.Node(id, label, ("fillcolor", SavedColor));
            }
            else
            {
                label += $"\nSTALE: saved at version {s.SavedVersion}, now {now}" +
                         $"\nmodified in place since {fn.Name} saved it{s.Site.At}:";
                var writes = t._version.Writes?.Since(s.SavedVersion) ?? [];
                foreach (var w in writes) label += $"\n  {w}";
                if (writes.Length < now - s.SavedVersion)
                    label += $"\n  ({Times(now - s.SavedVersion - writes.Length)} more, not logged{(writes.Length == 0 ? "" : ": older")})";
                if (untracked > 0) label += $"\nand {Times(untracked)} through a .Data alias";
                label += "\nbackward will fail";
                _dot.Node(id, label, ("fillcolor", StaleColor), ("color", "red"), ("penwidth", "2"));
            }
        }
        _dot.Edge(nodeId, id, ("dir", "none"));
    }

    private static string Times(int n) => n == 1 ? "once" : $"{n} times";

    private string TensorLabel(Tensor t, bool leaf)
    {
        string label = Name(t) ?? "";
        label += (label.Length > 0 ? "\n" : "") + $"{t.DType.ScalarTypeName()} {Shape.Format(t._shape)}";
        if (leaf) label += $"\nrequires_grad={(t.RequiresGrad ? "True" : "False")}";
        if (t.Version > 0) label += $"\nversion {t.Version}";
        return label;
    }

    private string NameSuffix(Tensor t) => Name(t) is { } n ? $": {n}" : "";

    private string? Name(Tensor t)
    {
        foreach (var (name, x) in names) if (ReferenceEquals(x, t)) return name;
        return null;
    }

    private string NewTensorId() => "t" + ++_tensors;
}
