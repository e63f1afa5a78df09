namespace Functional;

// Note [In-place Ops and Supersession]
// A tracked in-place op writes this tensor's storage and bumps the version counter every alias shares.
// When it records (grad mode on and the receiver or the operand requires grad) it cannot change the
// receiver's grad_fn, because handles are immutable: it returns a new handle over the same storage whose
// grad_fn is the op's node (with an edge to the receiver's old history) and marks the receiver superseded.
// With grad mode on, a superseded handle is refused (SupersededTensorException) by any op that records and,
// since its storage now carries a history the handle does not know, by any op at all; so is a view taken
// before the write. Reading values is always fine, and so is anything under NoGrad: there nothing records
// and the receiver itself is returned, still usable (optimizers rely on this). A view taken under NoGrad of
// a tensor that requires grad cannot be written with grad mode on (PyTorch refuses it too).
// Writing through a view of a tensor that requires grad would need PyTorch's CopySlices, which rewrites
// the *base's* history; Functional refuses it (NotSupportedException naming SliceScatter) rather than
// leave the base with a stale history, and a leaf (or a view of one) that requires grad refuses with
// LeafInPlaceException, as in PyTorch.
public partial class Tensor
{
    /// <summary>An in-place op's tensor operand, converted to the receiver's dtype and checked to fit its shape.</summary>
    internal Tensor Operand(Tensor other, string op)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Shape.TryBroadcast(_shape, other._shape) is not { } b || !b.AsSpan().SequenceEqual(_shape))
            throw new ShapeMismatchException(
                $"{op}: output with shape {Shape.Format(_shape)} doesn't match the broadcast shape {Shape.Format(Shape.TryBroadcast(_shape, other._shape) ?? other._shape)}; " +
                $"the operand {other.Describe()} must broadcast to the receiver {Describe()}.");
        if (!DType.IsFloatingPoint())
            throw DTypeMismatchException.NotForInt64(op, this);
        if (other.Device != Device)
        {
            if (other.Rank != 0)
                throw new DeviceMismatchException($"{op}: expected all tensors to be on the same device, but found {Device} and {other.Device} (receiver {Describe()}, operand {other.Describe()}).");
            other = other.To(Device);   // a 0-d operand follows the receiver, as PyTorch's CPU scalars do
        }
        return other.DType == DType ? other : other.To(DType);
    }

    private static string RequiresGradSetAt(Tensor leaf) =>
        leaf.RequiresGradSite is { IsKnown: true } s ? $", which was made to require grad at {s}" : "";

    private void CheckNoInternalOverlap(string op)
    {
        for (int d = 0; d < Rank; d++)
            if (_strides[d] == 0 && _shape[d] > 1)
                throw new ArgumentException(
                    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. " +
                    $"Please clone() the tensor before performing the operation. {op} on {Describe()}, which is expanded (stride 0) in dimension {d}.");
    }

    // A view taken without recording (under NoGrad) of a tensor that requires grad, written with grad mode on:
    // the write would change the base's values without entering its history.
    private void CheckNoGradViewWrite(string op, CallSite site, Tensor viewed)
    {
        if (viewed.IsLeaf)
            throw new LeafInPlaceException(
                "a view of a leaf Variable that requires grad is being used in an in-place operation. " +
                $"{op}{site.At} on {Describe()}, a view of {viewed.Describe()}{RequiresGradSetAt(viewed)} taken under NoGrad: do the update under `using (Autograd.NoGrad())` too.");
        throw new AutogradException(
            "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use case is " +
            "ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both " +
            "inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked). " +
            $"{op} on {Describe()}, a view of {viewed.Describe()}.");
    }

    private void CheckInPlaceRecordable(string op, CallSite site)
    {
        if (IsLeaf && _meta.RequiresGrad)
            throw new LeafInPlaceException(
                "a leaf Variable that requires grad is being used in an in-place operation. " +
                $"{op}{site.At} on {Describe()}{RequiresGradSetAt(this)}: do the update under `using (Autograd.NoGrad())` (as optimizers do), or write to a Clone().");
        if (_viewBase is { } b)
        {
            if (b.IsLeaf && b.RequiresGrad)
                throw new LeafInPlaceException(
                    "a view of a leaf Variable that requires grad is being used in an in-place operation. " +
                    $"{op}{site.At} on {Describe()}, a view of {b.Describe()}{RequiresGradSetAt(b)}: do the update under `using (Autograd.NoGrad())`, or write to a Clone().");
            throw new NotSupportedException(
                $"{op} through a view ({Describe()}) of {b.Describe()} while recording: PyTorch would rewrite the base's history " +
                "(CopySlices); Functional's handles are immutable, so it refuses rather than leave the base with a stale history. " +
                "Build the result out of place with base.SliceScatter(values, dim, start, end) (torch.slice_scatter, JAX's x.at[i].set(v)), " +
                "or write into a Clone() under NoGrad if no gradient should flow through the write.");
        }
    }

    private static CallSite Site(string file, int line, string member) => new(file, line, member);

    /// <summary>Counts one tracked write to this tensor's elements: the version bump saved-tensor checks see (logged with
    /// <paramref name="op"/> and <paramref name="site"/> for the error messages) and the storage's write count the graph
    /// view compares it with. Every write to a tensor's elements outside a kernel's fresh result goes through here.</summary>
    internal void MarkWritten(string op, CallSite site)
    {
        _version.Bump(op, site, _origin, _viewBase is not null);
        _storage.CountWrite();
    }

    /// <summary>As <see cref="MarkWritten(string, CallSite)"/>, unlogged: for the writes optimizers make straight into
    /// storage (their state tensors, AdamW's second write of a parameter), which no error message names.</summary>
    internal void MarkWritten()
    {
        _version.Bump();
        _storage.CountWrite();
    }

    internal Tensor InPlace(string op, CallSite site, string nodeName, Tensor newValue, Tensor[] inputs, BackwardRule rule,
                           Tensor?[]? save = null, bool saveOutput = false, double? scalar = null)
    {
        site = UserSite.Resolve(site);   // Note [User Call Site]
        CheckNoInternalOverlap(op);
        bool record = Graph.ShouldRecord(inputs);
        if (!record && GradMode.IsEnabled && _viewBase is { RequiresGrad: true } viewed) CheckNoGradViewWrite(op, site, viewed);
        Tensor? output = null;
        if (record)
        {
            CheckInPlaceRecordable(op, site);
            if (save is not null)
                for (int i = 0; i < save.Length; i++)
                    if (ReferenceEquals(save[i], this)) save[i] = Clone();   // the old value, before the write
            output = Graph.Attach(this, nodeName, inputs, rule, save, saveOutput: false, scalar, rebase: _meta, site: site);
        }
        Backend.CopyInto(this, newValue);
        MarkWritten(op, site);
        if (output is null) return this;
        _version.BumpRebase();
        _meta.SupersededBy = $"{op}()";
        _meta.SupersededAt = site;
        _meta.HistoryRewritten = true;
        _meta.RetainsGrad = false;
        if (saveOutput) ((FunctionNode)output._gradFn!).SaveOutput(output);
        return output;
    }
}
