using System.Runtime.CompilerServices;

namespace Functional;

// The autograd API on the handle (Tensors/Tensor.cs): its autograd state, the requires-grad flag, the leaf's gradient
// accumulator, hooks, Backward, the escape hatches (Detach, Detach_, Data, StopGradient) and the check that refuses a
// superseded handle. What it reaches is this layer's: AutogradMeta, the nodes, the engine.
public partial class Tensor
{
    // ---- autograd state -------------------------------------------------------------------------------

    internal bool HasAutogradState => _autograd is not null;

    /// <summary>Diagnostics: where this leaf's requires-grad flag was last set through a caller-info API (default when
    /// unknown), read without creating the autograd state.</summary>
    internal CallSite RequiresGradSite => _autograd?.RequiresGradSite ?? default;

    /// <summary>Diagnostics: why this tensor has no history although its source had one (Diagnostics/CallSite.cs). Kept in
    /// the autograd state, which only such tensors need, so ordinary tensors pay nothing; set before the handle escapes.</summary>
    internal CutOrigin? _origin
    {
        get => _autograd?.Origin;
        set
        {
            if (value is not null) _meta.Origin = value;
            else if (_autograd is { } m) m.Origin = null;
        }
    }

    /// <summary>This handle's autograd state, created on first use. A non-leaf's node points at it (for hooks and
    /// retained grads), so the engine finds it from the graph.</summary>
    internal AutogradMeta _meta
    {
        get
        {
            if (_autograd is { } m) return m;
            var created = new AutogradMeta();
            if (Interlocked.CompareExchange(ref _autograd, created, null) is { } raced) return raced;
            if (_gradFn is FunctionNode fn) fn.OutputMeta = created;
            return created;
        }
    }

    // ---- requires grad --------------------------------------------------------------------------------

    internal static bool CheckCanRequireGrad(DType dtype, bool requiresGrad)
    {
        if (requiresGrad && !dtype.IsFloatingPoint())
            throw new DTypeMismatchException($"only Tensors of floating point dtype can require gradients; got {dtype}. Convert it with To(DType.Float32) first.");
        return requiresGrad;
    }

    /// <summary>The node that produced this tensor, or null for a leaf (<c>t.grad_fn</c>).</summary>
    public Node? GradFn => _gradFn;

    /// <summary>True for a tensor no recorded op produced: user-created tensors, detached tensors, and
    /// results computed without grad (<c>t.is_leaf</c>).</summary>
    public bool IsLeaf => _gradFn is null;

    /// <summary>Whether gradients flow to (a leaf) or through (a non-leaf) this tensor (<c>t.requires_grad</c>).</summary>
    public bool RequiresGrad => _gradFn is not null || (_autograd?.RequiresGrad ?? false);

    /// <summary>Whether an in-place op or <see cref="Detach_"/> superseded this handle. Its values stay readable;
    /// recording an op with it throws <see cref="SupersededTensorException"/>.</summary>
    public bool IsSuperseded => _autograd?.SupersededBy is not null;

    /// <summary>
    /// Sets whether this leaf requires grad and returns it (<c>t.requires_grad_()</c>). Only leaves can change it.
    /// </summary>
    /// <param name="requiresGrad">The new flag.</param>
    /// <param name="callerFile">Filled in by the compiler: where this was called, for diagnostics.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public Tensor RequiresGrad_(bool requiresGrad = true, [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                [CallerMemberName] string callerMember = "")
    {
        SetRequiresGradCore(requiresGrad, new CallSite(callerFile, callerLine, callerMember));
        return this;
    }

    private protected void SetRequiresGradCore(bool requiresGrad, CallSite site)
    {
        if (!IsLeaf)
            throw new AutogradException(
                "you can only change requires_grad flags of leaf variables. " +
                $"This tensor ({Describe()}) is the output of {_gradFn!.Name}; use Detach() to get a leaf that shares its storage.");
        var meta = _meta;
        meta.RequiresGrad = CheckCanRequireGrad(DType, requiresGrad);
        meta.RequiresGradSite = site;
    }

    // ---- gradients ------------------------------------------------------------------------------------

    /// <summary>
    /// A leaf's gradient accumulator (<c>t.grad</c>): null until a backward reaches it, then summed into by each
    /// backward. It is the accumulator itself: <c>x.Grad.Zero_()</c> under NoGrad resets it. On a non-leaf it is
    /// null (with PyTorch's warning, once per handle) unless <see cref="RetainGrad"/> was called.
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            if (!IsLeaf && !_meta.RetainsGrad)
            {
                if (!_meta.WarnedNonLeafGrad)
                {
                    _meta.WarnedNonLeafGrad = true;
                    Autograd.Warn(Autograd.NonLeafGradWarning);
                }
                return null;
            }
            return _meta.Grad;
        }
        set
        {
            if (value is not null)
            {
                if (value._shape.AsSpan().SequenceEqual(_shape) is false)
                    throw new ShapeMismatchException($"assigned grad has data of a different size: grad {Shape.Format(value._shape)}, tensor {Shape.Format(_shape)}.");
                if (value.DType != DType)
                    throw new DTypeMismatchException($"assigned grad has data of a different type: grad {value.DType}, tensor {DType}.");
            }
            _meta.Grad = value;
        }
    }

    /// <summary>Makes a non-leaf keep its gradient in <see cref="Grad"/> after backward (<c>t.retain_grad()</c>);
    /// a no-op on a leaf. Returns this tensor.</summary>
    public Tensor RetainGrad()
    {
        if (!RequiresGrad)
            throw new AutogradException("can't retain_grad on Tensor that has requires_grad=False. " +
                                        $"This tensor ({Describe()}) is not part of any graph; call RequiresGrad_() on the leaf it came from first.");
        if (!IsLeaf) _meta.RetainsGrad = true;
        return this;
    }

    /// <summary>
    /// Registers a hook that sees the gradient with respect to this tensor during backward and may return a
    /// replacement (or null to keep it). Dispose the result to remove it. PyTorch: <c>t.register_hook(fn)</c>.
    /// </summary>
    public IDisposable RegisterHook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad)
            throw new AutogradException("cannot register a hook on a tensor that doesn't require gradient. " +
                                        $"This tensor ({Describe()}) is not part of any graph.");
        var entry = new AutogradMeta.HookEntry(hook);
        var list = _meta.Hooks ?? Interlocked.CompareExchange(ref _meta.Hooks, new List<AutogradMeta.HookEntry>(), null) ?? _meta.Hooks!;   // one list, even when threads race here
        lock (list) list.Add(entry);
        return new HookHandle(list, entry);
    }

    /// <summary>
    /// Registers a hook on this leaf that <see cref="Backward"/> calls as soon as the leaf's gradient for that backward is
    /// complete, while the rest of the graph is still being walked: the point where data-parallel training starts
    /// all-reducing a gradient (PyTorch's <c>register_post_accumulate_grad_hook</c>, which fires after <c>.grad</c> is
    /// written; here <see cref="Grad"/> is written only after the whole backward succeeded, so the hook gets the gradient
    /// itself in <see cref="GradReady.Gradient"/>). If the backward fails later, <see cref="GradReady.Abandoned"/> is cancelled
    /// and no accumulator changes. A hook that throws fails the backward the same way. <see cref="Autograd.Grad"/> fires no
    /// such hook (it fills no accumulator). Dispose the result to remove the hook. See Note [Gradient Ready].
    /// </summary>
    /// <exception cref="AutogradException">This tensor is not a leaf that requires grad.</exception>
    public IDisposable RegisterGradReadyHook(Action<GradReady> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!IsLeaf || !RequiresGrad)
            throw new AutogradException(
                "post accumulate grad hooks cannot be registered on non-leaf tensors or on tensors that do not require grad. " +
                $"This tensor ({Describe()}) is {(IsLeaf ? "a leaf that does not require grad: call RequiresGrad_() first" : $"the output of {_gradFn!.Name}: register the hook on the leaf (a parameter) instead")}.");
        var meta = _meta;
        var list = meta.ReadyHooks ?? Interlocked.CompareExchange(ref meta.ReadyHooks, [], null) ?? meta.ReadyHooks!;
        lock (list) list.Add(hook);
        return new ReadyHookHandle(list, hook);
    }

    private sealed class ReadyHookHandle(List<Action<GradReady>> list, Action<GradReady> hook) : IDisposable
    {
        public void Dispose() { lock (list) list.Remove(hook); }
    }

    private sealed class HookHandle(List<AutogradMeta.HookEntry> list, AutogradMeta.HookEntry entry) : IDisposable
    {
        public void Dispose() { lock (list) list.Remove(entry); }
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and adds it to their
    /// <see cref="Grad"/> (<c>t.backward(gradient, retain_graph, create_graph)</c>). A non-scalar output needs
    /// <paramref name="gradient"/>. The graph's saved tensors are freed unless <paramref name="retainGraph"/>
    /// (which defaults to <paramref name="createGraph"/>, as in PyTorch).
    /// </summary>
    /// <param name="gradient">The gradient of the output (needed for a non-scalar output).</param>
    /// <param name="retainGraph">Keep the saved tensors for another backward.</param>
    /// <param name="createGraph">Record the backward itself, for higher derivatives.</param>
    /// <param name="callerFile">Filled in by the compiler: a second backward through the freed graph names this call.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Engine.Run([this], [gradient], retainGraph || createGraph, createGraph, inputs: null, allowUnused: true,
                   retainGraph || createGraph ? null : new FreedBy("Backward()", new CallSite(callerFile, callerLine, callerMember)));

    // ---- escape hatches -------------------------------------------------------------------------------

    /// <summary>
    /// A new leaf that shares this tensor's storage <em>and version counter</em>, with no grad_fn and
    /// requires_grad false (<c>t.detach()</c>). A tracked write through it is seen by backward.
    /// </summary>
    /// <param name="callerFile">Filled in by the compiler: where this was called, for diagnostics.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public Tensor Detach([CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        DetachAs(CutKind.Detach, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>
    /// <see cref="Detach"/> under the name JAX and the F# DSL use (<c>jax.lax.stop_gradient</c>): the same alias, reported
    /// as a stopGradient cut by diagnostics.
    /// </summary>
    /// <param name="callerFile">Filled in by the compiler: where this was called, for diagnostics.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public Tensor StopGradient([CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        DetachAs(CutKind.StopGradient, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>A Detach() alias that remembers why (the DSL's stopGradient passes its own kind and site).</summary>
    internal Tensor DetachAs(CutKind kind, CallSite site) =>
        new(_storage, _offset, _shape, _strides, _version) { _origin = CutOrigin.Of(kind, this, site) ?? _origin };

    /// <summary>A Detach() alias with no diagnostics (library internals).</summary>
    internal Tensor DetachQuiet() => new(_storage, _offset, _shape, _strides, _version);

    /// <summary>
    /// Detaches in place (<c>t.detach_()</c>): returns the detached handle and supersedes this one. Graphs built
    /// before the call are untouched, as in PyTorch. Refused on a view.
    /// </summary>
    /// <param name="callerFile">Filled in by the compiler: where this was called, for diagnostics.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public Tensor Detach_([CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        var site = new CallSite(callerFile, callerLine, callerMember);
        if (_viewBase is not null)
            throw new AutogradException(
                "Can't detach views in-place. Use detach() instead. " +
                $"This tensor ({Describe()}) is a view of another tensor; call Detach() to get a detached alias.");
        var detached = DetachAs(CutKind.Detach_, site);
        if (_meta.SupersededBy is null)
        {
            _meta.SupersededBy = "Detach_()";
            _meta.SupersededAt = site;
        }
        return detached;
    }

    /// <summary>
    /// An alias of the storage with its <em>own</em> version counter, no grad_fn and requires_grad false
    /// (<c>t.data</c>). Writes through it are invisible to autograd: a backward that saved this tensor will
    /// silently use the new values. Prefer <see cref="Detach"/>.
    /// </summary>
    /// <remarks>A property cannot take caller info, so diagnostics name a Data alias without a call site.</remarks>
    public Tensor Data => new(_storage, _offset, _shape, _strides, new VersionCounter()) { _origin = CutOrigin.Of(CutKind.Data, this, default) ?? _origin };

    /// <summary>Refuses a superseded handle in an op that records (or in any op, when a recorded in-place op gave its
    /// storage a new history), and a view taken before such an op. Called with grad mode on. <paramref name="indexing"/>:
    /// the op is the indexer get, whose message also says how to read the values instead.</summary>
    internal void CheckNotSuperseded(bool recording = true, bool indexing = false)
    {
        const string read = " Reading an element through the indexer (t[i]) records a view, so it is refused too; to read the values, " +
                            "call ToArray() on this handle, or Item() when it has one element (reading a superseded handle is allowed)";
        if (_autograd is { SupersededBy: { } by } m && (recording || m.HistoryRewritten))
            throw new SupersededTensorException(
                $"This tensor ({Describe()}) was superseded by {by}{m.SupersededAt.At}: that call returned a new handle with the updated " +
                "history, and this one must not be used in recorded ops or as the root of a backward any more. Use the handle it returned " +
                "(e.g. `y = y.Mul_(2)`), or Clone() before writing if you need the old value." +
                (indexing ? $"{read}, or index the handle {by} returned." : ""));
        if (_viewBase is not null && _version.Rebases != _rebasesAtCreation)
            throw new SupersededTensorException(
                $"This view ({Describe()}) was taken before a recorded in-place op{LastRebaseSite()} rewrote the history of the tensor it views: " +
                "its values changed but its grad_fn still describes the old ones. Take the view again from the handle the in-place op returned." +
                (indexing ? $"{read}, or index the view taken again." : ""));
    }

    private string LastRebaseSite() =>
        _version.Writes?.Recent() is { Length: > 0 } w ? $" ({w[^1].Op} at {w[^1].Site})" : "";
}
