namespace Functional;

/// <summary>How a tensor lost the history of the tensor it was computed from.</summary>
internal enum CutKind
{
    /// <summary><c>Detach()</c>.</summary>
    Detach,
    /// <summary><c>Detach_()</c>.</summary>
    Detach_,
    /// <summary>The <c>Data</c> alias.</summary>
    Data,
    /// <summary>The F# DSL's <c>stopGradient</c>.</summary>
    StopGradient,
    /// <summary>Computed under <c>Autograd.NoGrad()</c> or <c>SetGradEnabled(false)</c>.</summary>
    NoGrad,
    /// <summary>Computed by an op with no gradient (ArgMax, a comparison, a cast to Int64).</summary>
    NonDifferentiable,
}

/// <summary>Why a tensor has no history although the tensor it came from had one (see CallSite.cs for the fields).
/// Shared, unchanged, by every tensor computed from it by ops that record nothing.</summary>
internal sealed class CutOrigin
{
    private readonly WeakReference<Node>? _source;

    private CutOrigin(CutKind kind, CallSite site, string? op, Tensor source)
    {
        Kind = kind;
        Site = site;
        Op = op;
        SourceDescription = source.Describe();
        var node = source._gradFn ?? (source.RequiresGrad ? Engine.AccumulatorOf(source) : null);
        SourceName = node?.Name ?? "none";
        if (node is not null) _source = new WeakReference<Node>(node);
    }

    public CutKind Kind { get; }
    public CallSite Site { get; }
    /// <summary>The non-differentiable op (NonDifferentiable only).</summary>
    public string? Op { get; }
    /// <summary>The grad_fn name of the source ("AccumulateGrad" for a leaf).</summary>
    public string SourceName { get; }
    /// <summary>The source tensor as <see cref="Tensor.Describe"/> printed it at the cut.</summary>
    public string SourceDescription { get; }

    /// <summary>The source's grad_fn (or a leaf source's AccumulateGrad); null if it has been collected.</summary>
    public Node? Source => _source is not null && _source.TryGetTarget(out var n) ? n : null;

    /// <summary>A cut of <paramref name="source"/>, or null when the source required no grad (nothing was cut).</summary>
    public static CutOrigin? Of(CutKind kind, Tensor source, CallSite site, string? op = null) =>
        source.RequiresGrad ? new CutOrigin(kind, site, op, source) : null;

    /// <summary>E.g. <c>Detach() at Train.cs:13</c>, <c>NoGrad() scope entered at Train.cs:20</c>, <c>ArgMax at Eval.cs:7</c>.</summary>
    public string Describe() => Kind switch
    {
        CutKind.Detach => $"Detach(){Site.At}",
        CutKind.Detach_ => $"Detach_(){Site.At}",
        CutKind.Data => $".Data{Site.At}",
        CutKind.StopGradient => $"stopGradient{Site.At}",
        CutKind.NoGrad => Site.IsKnown ? $"a NoGrad scope entered{Site.At}" : $"a NoGrad scope ({Site.Member})",
        _ => $"{Op} (not differentiable){Site.At}",
    };

    /// <summary>The alias name used in write messages, e.g. <c>a Detach() alias created at Train.cs:13</c>.</summary>
    public string AliasDescription => Kind switch
    {
        CutKind.Detach or CutKind.StopGradient => $"a {(Kind == CutKind.Detach ? "Detach()" : "stopGradient")} alias{Created}",
        CutKind.Detach_ => $"the handle Detach_() returned{Site.At}",
        CutKind.Data => $"a .Data alias{Created}",
        _ => $"a tensor computed by {Describe()}",
    };

    private string Created => Site.IsKnown ? $" created{Site.At}" : "";

    public override string ToString() => Describe();
}

/// <summary>A forward input of a recorded op that carried a <see cref="CutOrigin"/>: the edge the graph does not have.
/// <paramref name="Source"/> pins the cut's source node (strongly, for as long as this graph lives) so diagnostics can
/// still follow it after the forward's own handles are gone.</summary>
internal readonly record struct CutInput(int Input, CutOrigin Origin, Node? Source);
