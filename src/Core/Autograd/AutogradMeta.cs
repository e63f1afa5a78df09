namespace Functional;

/// <summary>
/// The mutable autograd state that belongs to one tensor handle: a leaf's requires-grad flag and gradient
/// accumulator, a non-leaf's retained gradient, hooks, and whether an in-place op superseded the handle.
/// The handle itself (storage, view geometry, grad_fn) never changes; see DESIGN.md, "The three kinds of state".
/// </summary>
internal sealed class AutogradMeta
{
    public bool RequiresGrad;           // leaves only; a non-leaf requires grad because it has a grad_fn
    public CallSite RequiresGradSite;   // where RequiresGrad was last set through a caller-info API (diagnostics)
    public Tensor? Grad;                // a leaf's accumulator, or a non-leaf's retained gradient
    public bool RetainsGrad;
    public List<HookEntry>? Hooks;
    public List<Action<GradReady>>? ReadyHooks;   // a leaf's gradient-ready hooks (Note [Gradient Ready])
    public string? SupersededBy;        // the op that superseded this handle, or null
    public CallSite SupersededAt;       // where that op was called (diagnostics)
    public bool HistoryRewritten;       // superseded by a recorded in-place op: the storage now carries new history
    public bool WarnedNonLeafGrad;
    public AccumulateGrad? Accumulator; // a leaf's node in every graph built on it (one per leaf, so edges merge)
    public CutOrigin? Origin;           // diagnostics: see Tensor._origin

    internal sealed class HookEntry(Func<Tensor, Tensor?> hook)
    {
        public readonly Func<Tensor, Tensor?> Hook = hook;
    }
}
