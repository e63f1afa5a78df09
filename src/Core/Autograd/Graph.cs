namespace Functional;

/// <summary>Records graph nodes for the ops in <c>Ops/</c>. The one place that decides whether an op records.</summary>
internal static class Graph
{
    /// <summary>
    /// Whether an op over <paramref name="inputs"/> records a node: grad mode is on and some input requires grad.
    /// With grad mode on it also refuses superseded handles and stale views (Note [In-place Ops and Supersession]):
    /// their history no longer describes their values, so even an op that records nothing would compute a
    /// silently different gradient from them.
    /// </summary>
    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (!GradMode.IsEnabled) return false;
        bool any = false;
        foreach (var x in inputs) any |= x.RequiresGrad;
        foreach (var x in inputs) x.CheckNotSuperseded(recording: any);
        return any;
    }

    /// <summary>
    /// Returns <paramref name="result"/> (computed by a kernel, no history) as the output of a node named
    /// <paramref name="name"/> over <paramref name="inputs"/> when the op records; otherwise returns it as it is.
    /// </summary>
    /// <param name="result">The op's value.</param>
    /// <param name="name">PyTorch's grad_fn name.</param>
    /// <param name="inputs">The differentiable inputs, in the order the rule returns gradients.</param>
    /// <param name="rule">The backward rule, written with Tensor ops.</param>
    /// <param name="save">Tensors the rule reads, checked for in-place modification at backward (null entries: not needed).</param>
    /// <param name="saveOutput">Whether the rule reads the output.</param>
    /// <param name="scalar">A scalar argument the rule reads (<see cref="SavedValues.Scalar"/>). PyTorch saves those as
    /// wrapped tensors, so such a graph cannot be walked twice without retainGraph either.</param>
    /// <param name="site">Where the op was called, when it takes caller info (diagnostics: named when a tensor it saved
    /// is found modified).</param>
    public static Tensor Record(Tensor result, string name, Tensor[] inputs, BackwardRule rule,
                                Tensor?[]? save = null, bool saveOutput = false, double? scalar = null, CallSite site = default)
    {
        if (!ShouldRecord(inputs))
        {
            PassOnOrigin(result, inputs);
            return result;
        }
        return Attach(result, name, inputs, rule, save, saveOutput, scalar, rebase: null, fresh: IsFresh(result, inputs),
                      UserSite.Resolve(site));   // Note [User Call Site]
    }

    /// <summary>As <see cref="Record"/>, for an op that takes caller info: <paramref name="site"/> is where it was called.</summary>
    public static Tensor RecordAt(CallSite site, Tensor result, string name, Tensor[] inputs, BackwardRule rule,
                                  Tensor?[]? save = null, bool saveOutput = false, double? scalar = null) =>
        Record(result, name, inputs, rule, save, saveOutput, scalar, site);

    /// <summary>
    /// Diagnostics for an op that records nothing: under a user's NoGrad scope a result computed from an input that
    /// requires grad is tagged with the scope's site (CutKind.NoGrad); otherwise a result computed from a tagged input
    /// carries the same tag on. Costs a null check per input for ordinary tensors.
    /// </summary>
    internal static void PassOnOrigin(Tensor result, ReadOnlySpan<Tensor> inputs)
    {
        CutOrigin? origin = null;
        if (GradMode.CurrentUserScopeSite is { } site && !GradMode.IsEnabled)
        {
            foreach (var x in inputs)
                if (x.RequiresGrad) { origin = CutOrigin.Of(CutKind.NoGrad, x, site); break; }
        }
        if (origin is null)
            foreach (var x in inputs)
                if (x._origin is { } o) { origin = o; break; }
        if (origin is null || result._origin is not null || result._gradFn is not null) return;
        foreach (var x in inputs) if (ReferenceEquals(x, result)) return;
        result._origin = origin;
    }

    /// <summary>Tags the result of an op with no gradient (ArgMax, a comparison, a cast to Int64) computed from an input
    /// that requires grad (CutKind.NonDifferentiable); else as <see cref="PassOnOrigin"/>.</summary>
    internal static Tensor NonDifferentiable(Tensor result, string op, Tensor input, CallSite site = default)
    {
        if (GradMode.IsEnabled && input.RequiresGrad && result._origin is null && !ReferenceEquals(result, input) && result._gradFn is null)
            result._origin = CutOrigin.Of(CutKind.NonDifferentiable, input, site, op);
        else PassOnOrigin(result, [input]);
        return result;
    }

    /// <summary>Whether a kernel's result is a handle nobody else has seen yet (not an input passed through, no
    /// autograd state), so the node can be attached to it instead of to a copy of it.</summary>
    private static bool IsFresh(Tensor result, Tensor[] inputs)
    {
        if (result._gradFn is not null || result.HasAutogradState) return false;
        foreach (var x in inputs) if (ReferenceEquals(x, result)) return false;
        return true;
    }

    /// <summary>Builds the node and the output handle that shares <paramref name="result"/>'s storage: the result
    /// itself when it is <paramref name="fresh"/> (a kernel's new handle), else a new handle. Callers have checked
    /// <see cref="ShouldRecord"/> and resolved <paramref name="site"/> (Note [User Call Site]).</summary>
    internal static Tensor Attach(Tensor result, string name, Tensor[] inputs, BackwardRule rule,
                                  Tensor?[]? save, bool saveOutput, double? scalar, AutogradMeta? rebase, bool fresh = false,
                                  CallSite site = default)
    {
        List<CutInput>? cuts = null;
        var next = new Node?[inputs.Length];
        int[]?[]? shapes = null;   // only where an input's shape or dtype differs from the output's (the engine conforms those)
        DType[]? dtypes = null;
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            if (x.DType != result.DType) (dtypes ??= NewDTypes(inputs))[i] = x.DType;
            if (x._origin is { } cut) (cuts ??= []).Add(new CutInput(i, cut, cut.Source));
            if (!x.RequiresGrad) continue;
            next[i] = x._gradFn ?? Engine.AccumulatorOf(x);
            if (!x._shape.AsSpan().SequenceEqual(result._shape)) (shapes ??= new int[]?[inputs.Length])[i] = x._shape;
        }
        var saved = save is null ? [] : new SavedTensor?[save.Length];
        for (int i = 0; i < saved.Length; i++)
            if (save![i] is { } t) saved[i] = new SavedTensor(t, t._gradFn?.Name, site);
        var node = new FunctionNode(name, next, rule, saved, scalar, shapes, dtypes, site) { Cuts = cuts?.ToArray() };
        if (AnomalyMode.IsEnabled) node.ForwardSite = AnomalyMode.CaptureForwardSite();   // Note [Anomaly Mode]
        Tensor output;
        if (fresh) { result._gradFn = node; output = result; }
        else output = new Tensor(result._storage, result._offset, result._shape, result._strides, result._version, node,
                                 viewBase: result._viewBase);
        if (rebase is not null) output._meta.RetainsGrad = rebase.RetainsGrad;
        if (saveOutput) node.SaveOutput(output);
        return output;
    }

    private static DType[] NewDTypes(Tensor[] inputs)
    {
        var d = new DType[inputs.Length];
        for (int i = 0; i < d.Length; i++) d[i] = inputs[i].DType;
        return d;
    }
}
