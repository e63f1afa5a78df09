namespace Functional;

/// <summary>
/// A node of the backward graph: one recorded op (PyTorch's <c>grad_fn</c>). Immutable once built: its name,
/// its input edges and the tensors it saved (each with the version it had when saved). The one change a node
/// sees is the release of its saved tensors after a backward without <c>retainGraph</c>.
/// </summary>
public abstract class Node
{
    private static long _nextSequence;

    internal readonly Node?[] Next;
    internal readonly long Sequence;
    /// <summary>Where the op that built this node was called (default when the op takes no caller info).</summary>
    internal CallSite Site => _site?.Value ?? default;

    // Boxed, and only when known: operators (a * b) take no caller info, and every byte of a node is paid by every op
    // the tiny-op benchmark records; a named op (Exp, MatMul, ...) pays one small object instead.
    private readonly SiteBox? _site;

    private sealed record SiteBox(CallSite Value);
    /// <summary>Forward inputs that carried a cut (Detach, NoGrad, ...): the edges this node does not have. Set by
    /// Graph.Attach before the node escapes; null when none. Kept beside the node (few nodes have cuts), so ordinary
    /// nodes pay nothing for it.</summary>
    internal CutInput[]? Cuts
    {
        get => s_cuts.TryGetValue(this, out var c) ? c : null;
        init { if (value is not null) s_cuts.AddOrUpdate(this, value); }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Node, CutInput[]> s_cuts = new();

    private protected Node(string name, Node?[] next, CallSite site = default)
    {
        Name = name;
        Next = next;
        if (site.HasAny) _site = new SiteBox(site);
        Sequence = Interlocked.Increment(ref _nextSequence);
    }

    /// <summary>The op's name without PyTorch's backward suffix: <c>Sigmoid</c> for <c>SigmoidBackward0</c>.</summary>
    internal string OpName
    {
        get
        {
            int i = Name.IndexOf("Backward", StringComparison.Ordinal);
            return i > 0 ? Name[..i] : Name;
        }
    }

    /// <summary>The op's backward name as PyTorch prints it, e.g. <c>SigmoidBackward0</c>.</summary>
    public string Name { get; }

    /// <summary>The nodes this one sends gradients to, one per input (null where the input needs no gradient).
    /// PyTorch: <c>grad_fn.next_functions</c>.</summary>
    public IReadOnlyList<Node?> NextFunctions => Next;

    /// <inheritdoc/>
    public override string ToString() => $"<{Name}>";

    /// <summary>Throws if backward cannot run this node: saved values freed or modified in place.</summary>
    internal abstract void CheckCanRun();
}

/// <summary>The node that accumulates a leaf's gradient (PyTorch's <c>AccumulateGrad</c>). One per leaf.</summary>
public sealed class AccumulateGrad : Node
{
    internal readonly AutogradMeta LeafMeta;
    internal readonly WeakReference<Tensor> Leaf;

    internal AccumulateGrad(Tensor leaf) : base("AccumulateGrad", [])
    {
        LeafMeta = leaf._meta;
        Leaf = new WeakReference<Tensor>(leaf);
    }

    internal override void CheckCanRun() { }
}

/// <summary>The values a backward rule reads, by name: the saved inputs (<see cref="Self"/>, <see cref="Other"/>; slots 0
/// and 1 of what the op saved), the op's <see cref="Result"/> if it saved it, and its <see cref="Scalar"/>.</summary>
internal readonly struct SavedValues(Tensor?[] inputs, Tensor? output, Node?[] next, double scalar)
{
    /// <summary>Saved tensor <paramref name="i"/> (in the order given to Graph.Record), for ops that save more than two.</summary>
    public Tensor this[int i] => inputs[i] ?? throw new InvalidOperationException($"This op did not save input {i}.");
    /// <summary>The first input, as saved (<c>self</c> in derivatives.yaml).</summary>
    public Tensor Self => this[0];
    /// <summary>The second input, as saved (<c>other</c>).</summary>
    public Tensor Other => this[1];
    /// <summary>Whether input <paramref name="i"/> of the op needs a gradient (rules may skip the others).</summary>
    public bool NeedsGrad(int i) => next[i] is not null;
    /// <summary>The op's output, as saved (<c>result</c>).</summary>
    public Tensor Result => output ?? throw new InvalidOperationException("This op did not save its output.");
    /// <summary>The scalar argument the op saved (Graph.Record's <c>scalar</c>), e.g. the factor of <c>x * 3</c>.</summary>
    public double Scalar => scalar;
}

/// <summary>A backward rule: the gradient of the output in, one gradient per input out (null = zero / not needed).</summary>
internal delegate Tensor?[] BackwardRule(Tensor grad, SavedValues saved);

/// <summary>A node built by an op in <c>Ops/</c>: its rule, written with Tensor ops so that createGraph gives higher derivatives.</summary>
internal sealed class FunctionNode : Node
{
    private readonly BackwardRule _rule;
    private readonly SavedTensor?[] _saved;
    private SavedTensor? _savedOutput;
    private readonly double? _scalar;
    private readonly Conversions? _conversions; // null unless an input's shape or dtype differs from the output's
    internal AutogradMeta? OutputMeta;         // hooks and retained grad of the handle this node produced
    private FreedBy? _freedBy;                 // set by the backward that freed the saved tensors (diagnostics: where)

    // Every field here is paid by every recorded op (the tiny-op benchmark counts its bytes): what few nodes need lives
    // in one optional object (conversions) or beside the node (anomaly mode's forward site, Node.Cuts).
    private sealed record Conversions(int[]?[]? Shapes, DType[]? DTypes);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FunctionNode, string> s_forwardSites = new();

    public FunctionNode(string name, Node?[] next, BackwardRule rule, SavedTensor?[] saved, double? scalar,
                        int[]?[]? inputShapes, DType[]? inputDTypes, CallSite site = default) : base(name, next, site)
    {
        _rule = rule;
        _saved = saved;
        _scalar = scalar;
        if (inputShapes is not null || inputDTypes is not null) _conversions = new(inputShapes, inputDTypes);
    }

    /// <summary>Per input that needs a gradient and differs from the output's shape, that shape (the engine sums to
    /// it); null when none does.</summary>
    internal int[]?[]? InputShapes => _conversions?.Shapes;

    /// <summary>Every input's dtype when one differs from the output's (the engine casts); else null.</summary>
    internal DType[]? InputDTypes => _conversions?.DTypes;

    /// <summary>Where the forward created this node: set by Graph.Attach in anomaly mode only (kept beside the node).</summary>
    internal string? ForwardSite
    {
        get => s_forwardSites.TryGetValue(this, out var s) ? s : null;
        set { if (value is not null) s_forwardSites.AddOrUpdate(this, value); }
    }

    /// <summary>The names a custom <see cref="Function"/> saved its tensors under, by slot (diagnostics); null for the
    /// built-in ops, whose slots are self and other. Kept beside the node, like the forward site.</summary>
    internal string[]? SavedNames
    {
        get => s_savedNames.TryGetValue(this, out var n) ? n : null;
        set { if (value is not null) s_savedNames.AddOrUpdate(this, value); }
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FunctionNode, string[]> s_savedNames = new();

    internal void SaveOutput(Tensor output) => _savedOutput = new SavedTensor(output, Name, Site);

    /// <summary>The backward that freed this node's saved tensors, or null (diagnostics).</summary>
    internal FreedBy? FreedBy => _freedBy;

    /// <summary>The saved inputs (diagnostics; null entries were not saved).</summary>
    internal IReadOnlyList<SavedTensor?> Saved => _saved;

    /// <summary>The saved output, or null (diagnostics).</summary>
    internal SavedTensor? SavedOutputTensor => _savedOutput;

    /// <summary>Whether a backward without retainGraph freed the saved tensors.</summary>
    internal bool IsReleased => _freedBy is not null;

    private bool HasSavedState => _saved.Length > 0 || _savedOutput is not null || _scalar is not null;

    internal override void CheckCanRun()
    {
        if (_freedBy is not null && HasSavedState) throw SavedTensor.FreedError(this);
        foreach (var s in _saved) s?.Check(this);
        _savedOutput?.Check(this);
    }

    public Tensor?[] Apply(Tensor grad)
    {
        CheckCanRun();
        var inputs = _saved.Length == 0 ? [] : new Tensor?[_saved.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = _saved[i]?.Unpack(this);
        var grads = _rule(grad, new SavedValues(inputs, _savedOutput?.Unpack(this), Next, _scalar ?? 0));
        if (grads.Length != Next.Length)
            throw new InvalidOperationException($"{Name} returned {grads.Length} gradients for {Next.Length} inputs.");
        return grads;
    }

    /// <summary>Frees the saved tensors (backward without retainGraph). Memory management only.</summary>
    public void Release(FreedBy by)
    {
        _freedBy = by;
        foreach (var s in _saved) s?.Release();
        _savedOutput?.Release();
    }
}
