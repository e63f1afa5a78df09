using System.Text;

namespace Functional;

/// <summary>Why a tensor receives no gradient (or an exactly-zero one) from an output.</summary>
public enum NoGradReasonKind
{
    /// <summary>The leaf does not require grad, so no graph records it.</summary>
    LeafDoesNotRequireGrad,
    /// <summary>No path leads from the output to the leaf, and no cut explains it: the output was computed without it.</summary>
    NotConnected,
    /// <summary>A path was cut by <c>Detach()</c>, <c>Detach_()</c>, <c>Data</c> or <c>stopGradient</c>.</summary>
    Detached,
    /// <summary>A path went through a result computed under <c>NoGrad</c> / <c>SetGradEnabled(false)</c>.</summary>
    ProducedUnderNoGrad,
    /// <summary>A path went through an op with no gradient (ArgMax, a comparison, a cast to Int64).</summary>
    NonDifferentiable,
    /// <summary>Connected, but every path goes through a ReLU whose units are all dead (output 0): the gradient is exactly zero.</summary>
    ReluDead,
    /// <summary>Connected, but the value was overwritten by <c>Zero_</c>/<c>Fill_</c>/<c>Copy_</c>, whose gradient to it is zero.</summary>
    OverwrittenInPlace,
    /// <summary>Connected and the gradient is exactly zero for another reason (cancellation, multiplication by zeros).</summary>
    ZeroGradient,
    /// <summary>Connected, but the graph was freed by a backward, so whether the gradient is zero cannot be checked.</summary>
    CannotCheck,
}

/// <summary>One reason in a <see cref="NoGradExplanation"/>.</summary>
/// <param name="Kind">What kind of reason.</param>
/// <param name="Site">The call site it names (the Detach(), the NoGrad scope, the ReLU, ...), when known.</param>
/// <param name="Text">The reason as a sentence.</param>
public sealed record NoGradReason(NoGradReasonKind Kind, CallSite? Site, string Text)
{
    /// <inheritdoc/>
    public override string ToString() => Text;
}

/// <summary>The answer of <see cref="Autograd.WhyNoGrad"/>: whether <c>leaf</c> gets a gradient from <c>output</c>, and
/// if none (or an exactly-zero one), why, with the call sites that caused it.</summary>
public sealed class NoGradExplanation
{
    internal NoGradExplanation(string output, string leaf, bool connected, bool? zero, IReadOnlyList<NoGradReason> reasons)
    {
        Output = output;
        Leaf = leaf;
        IsConnected = connected;
        GradientIsZero = zero;
        Reasons = reasons;
    }

    /// <summary>The output, described.</summary>
    public string Output { get; }
    /// <summary>The leaf, described.</summary>
    public string Leaf { get; }
    /// <summary>Whether the backward graph of the output reaches the leaf.</summary>
    public bool IsConnected { get; }
    /// <summary>For a connected leaf: whether its gradient is exactly zero (null when it could not be computed).</summary>
    public bool? GradientIsZero { get; }
    /// <summary>Whether the leaf receives a nonzero gradient (then <see cref="Reasons"/> is empty).</summary>
    public bool ReceivesGradient => IsConnected && GradientIsZero == false;
    /// <summary>The reasons, most direct first.</summary>
    public IReadOnlyList<NoGradReason> Reasons { get; }

    /// <summary>Whether some reason is of <paramref name="kind"/>.</summary>
    public bool Has(NoGradReasonKind kind) => Reasons.Any(r => r.Kind == kind);

    /// <summary>A printable explanation, one reason per line.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (ReceivesGradient) return $"{Leaf} receives a nonzero gradient from {Output}.";
        sb.Append(IsConnected
            ? $"{Leaf} is connected to {Output}, but " + (GradientIsZero == true ? "its gradient is exactly zero:" : "its gradient could not be checked:")
            : $"{Leaf} receives no gradient from {Output}:");
        foreach (var r in Reasons) sb.Append("\n  - ").Append(r.Text);
        return sb.ToString();
    }
}

public static partial class Autograd
{
    /// <summary>
    /// Explains why <paramref name="leaf"/> receives no gradient (or an exactly-zero one) from <paramref name="output"/>:
    /// it does not require grad (and where that was set); every path was cut by <c>Detach()</c>/<c>stopGradient</c>, computed
    /// under <c>NoGrad</c>, or went through a non-differentiable op (each with its call site); it is not connected at all;
    /// or it is connected but the gradient is exactly zero (dead ReLU units, a value overwritten in place). Call it before
    /// backward, or after a backward with <c>retainGraph: true</c>, to get the zero-gradient checks (they compute the
    /// gradient with <see cref="Grad"/>, which runs the graph's hooks); the connection checks work after backward too.
    /// </summary>
    /// <param name="output">The tensor backward starts from (e.g. the loss).</param>
    /// <param name="leaf">The tensor whose gradient is missing (a leaf, or any tensor of the graph).</param>
    public static NoGradExplanation WhyNoGrad(Tensor output, Tensor leaf)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(leaf);
        string outDesc = $"the output ({output.Describe()})", leafDesc = $"the tensor ({leaf.Describe()})";
        var reasons = new List<NoGradReason>();

        if (!leaf.RequiresGrad)
        {
            var site = leaf.RequiresGradSite;
            reasons.Add(new(NoGradReasonKind.LeafDoesNotRequireGrad, site.IsKnown ? site : null,
                $"it does not require grad{(site.IsKnown ? $" (RequiresGrad was set to false at {site})" : "")}, so no graph records it. " +
                "Call RequiresGrad_() on it (SetRequiresGrad(true) on a Parameter) before the forward."));
            return new(outDesc, leafDesc, false, null, reasons);
        }

        Node? target = leaf._gradFn ?? (leaf.HasAutogradState ? leaf._meta.Accumulator : null);
        var reachable = Reachable(output._gradFn);
        bool connected = target is not null && reachable.Contains(target);
        if (connected)
        {
            bool? zero = null;
            try
            {
                var seed = output.NumElements == 1 ? null : Tensor.OnesLike(output);
                var g = Grad([output], [leaf], seed is null ? null : [seed], retainGraph: true, allowUnused: true)[0];
                zero = g is null || g.ToDoubleArray().All(v => v == 0);
            }
            catch (AutogradException e)
            {
                reasons.Add(new(NoGradReasonKind.CannotCheck, null,
                    $"the gradient could not be computed to check it for zeros ({e.GetType().Name}: {FirstSentence(e.Message)}). " +
                    "Call WhyNoGrad before backward, or backward with retainGraph: true."));
            }
            if (zero == true) reasons.AddRange(ZeroReasons(output._gradFn!, target!));
            return new(outDesc, leafDesc, true, zero, reasons);
        }

        // Not connected: find the cuts on the way whose source leads to the leaf.
        var cuts = new List<(CutOrigin Origin, Node? Source)>();
        if (output._gradFn is null && output._origin is { } own) cuts.Add((own, own.Source));
        foreach (var n in reachable)
            if (n.Cuts is { } cs)
                foreach (var c in cs) cuts.Add((c.Origin, c.Source));
        var seen = new HashSet<CutOrigin>(ReferenceEqualityComparer.Instance);
        foreach (var (origin, source) in cuts)
        {
            CallSite? site = origin.Site.HasAny ? origin.Site : null;
            if (target is null || source is null || !seen.Add(origin)) continue;
            if (!Reachable(source).Contains(target)) continue;
            reasons.Add(origin.Kind switch
            {
                CutKind.NoGrad => new(NoGradReasonKind.ProducedUnderNoGrad, site,
                    $"a path was computed under {origin.Describe()} from {origin.SourceDescription}: nothing recorded there. " +
                    "Compute it outside the NoGrad scope if the gradient should flow."),
                CutKind.NonDifferentiable => new(NoGradReasonKind.NonDifferentiable, site,
                    $"a path goes through {origin.Describe()}, applied to {origin.SourceDescription}: its result is piecewise constant " +
                    "and carries no gradient. Use a differentiable relaxation (e.g. Softmax instead of ArgMax)."),
                _ => new(NoGradReasonKind.Detached, site,
                    $"a path was cut by {origin.Describe()} (of {origin.SourceDescription}). Remove the cut if the gradient should flow."),
            });
        }
        if (reasons.Count == 0)
            reasons.Add(new(NoGradReasonKind.NotConnected, null, output.RequiresGrad
                ? "no path leads from the output back to it: the output was computed without it (or from a copy of it made with Clone() under NoGrad, To(...) or From(...))."
                : "the output does not require grad and has no history: it was computed only from tensors that do not require grad."));
        return new(outDesc, leafDesc, false, null, reasons);
    }

    private static string FirstSentence(string message)
    {
        int i = message.IndexOf(". ", StringComparison.Ordinal);
        return i > 0 ? message[..(i + 1)] : message;
    }

    /// <summary>Every node reachable from <paramref name="root"/> (itself included).</summary>
    internal static HashSet<Node> Reachable(Node? root)
    {
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        if (root is null) return seen;
        var stack = new Stack<Node>();
        stack.Push(root);
        seen.Add(root);
        while (stack.Count > 0)
            foreach (var c in stack.Pop().Next)
                if (c is not null && seen.Add(c)) stack.Push(c);
        return seen;
    }

    /// <summary>The nodes reachable from <paramref name="root"/> that reach <paramref name="target"/> (both included).</summary>
    internal static HashSet<Node> OnPaths(Node root, Node target)
    {
        var parents = new Dictionary<Node, List<Node>>(ReferenceEqualityComparer.Instance);
        foreach (var n in Reachable(root))
            foreach (var c in n.Next)
                if (c is not null)
                {
                    if (!parents.TryGetValue(c, out var list)) parents[c] = list = [];
                    list.Add(n);
                }
        var on = new HashSet<Node>(ReferenceEqualityComparer.Instance) { target };
        var stack = new Stack<Node>();
        stack.Push(target);
        while (stack.Count > 0)
            if (parents.TryGetValue(stack.Pop(), out var ps))
                foreach (var p in ps)
                    if (on.Add(p)) stack.Push(p);
        return on;
    }

    /// <summary>For a connected leaf whose gradient is exactly zero: the ops on its paths that zero it.</summary>
    private static List<NoGradReason> ZeroReasons(Node root, Node target)
    {
        var onPath = OnPaths(root, target);
        var reasons = new List<NoGradReason>();
        foreach (var n in onPath.OfType<FunctionNode>())
        {
            if (n.Name == "ReluBackward0" && n.SavedOutputTensor?.Peek is { } relu)
            {
                var v = relu.ToDoubleArray();
                int dead = v.Count(x => x <= 0);
                if (dead == v.Length)
                    reasons.Add(new(NoGradReasonKind.ReluDead, n.Site.IsKnown ? n.Site : null,
                        $"the ReLU{n.Site.At} is dead: all {v.Length} of its outputs are <= 0, so it passes back exact zeros. " +
                        "Check the initialisation and learning rate, or use a leaky activation."));
            }
            else if (n.Name is "ZeroBackward0" or "FillBackward2" or "CopyBackwards"
                     && n.Next[0] is { } old && onPath.Contains(old) && (n.Next.Length < 2 || n.Next[1] is not { } src || !onPath.Contains(src)))
                reasons.Add(new(NoGradReasonKind.OverwrittenInPlace, n.Site.IsKnown ? n.Site : null,
                    $"its value was overwritten in place by {n.OpName}{n.Site.At}; the overwritten value gets a zero gradient."));
        }
        if (reasons.Count == 0)
            reasons.Add(new(NoGradReasonKind.ZeroGradient, null,
                "the contributions along its paths are exactly zero (they cancel, or are multiplied by zeros)."));
        return reasons;
    }
}
