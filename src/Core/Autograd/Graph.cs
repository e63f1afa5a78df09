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
    /// <param name="savesScalars">Whether the rule reads scalars captured from the forward (PyTorch saves those as
    /// wrapped tensors, so its graph cannot be walked twice either).</param>
    public static Tensor Record(Tensor result, string name, Tensor[] inputs, BackwardRule rule,
                                Tensor?[]? save = null, bool saveOutput = false, bool savesScalars = false)
    {
        if (!ShouldRecord(inputs)) return result;
        return Attach(result, name, inputs, rule, save, saveOutput, savesScalars, rebase: null);
    }

    /// <summary>Builds the node and the output handle that shares <paramref name="result"/>'s storage. Callers have
    /// checked <see cref="ShouldRecord"/>.</summary>
    internal static Tensor Attach(Tensor result, string name, Tensor[] inputs, BackwardRule rule,
                                  Tensor?[]? save, bool saveOutput, bool savesScalars, AutogradMeta? rebase)
    {
        var next = new Node?[inputs.Length];
        var shapes = new int[]?[inputs.Length];
        var dtypes = new DType[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            dtypes[i] = x.DType;
            if (!x.RequiresGrad) continue;
            next[i] = x._gradFn ?? Engine.AccumulatorOf(x);
            shapes[i] = x._shape;
        }
        var saved = new SavedTensor?[save?.Length ?? 0];
        for (int i = 0; i < saved.Length; i++)
            if (save![i] is { } t) saved[i] = new SavedTensor(t, t._gradFn?.Name);
        var node = new FunctionNode(name, next, rule, saved, savesScalars, shapes, dtypes);
        var output = new Tensor(result._storage, result._offset, result._shape, result._strides, result._version, node,
                                viewBase: result._viewBase);
        if (rebase is not null) output._meta.RetainsGrad = rebase.RetainsGrad;
        if (saveOutput) node.SaveOutput(output);
        return output;
    }
}
