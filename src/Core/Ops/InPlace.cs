using System.Runtime.CompilerServices;

namespace Functional;

// The tracked in-place ops (PyTorch's trailing-underscore methods). Each is the in-place twin of a declared op
// (Note [Op Declarations]): the same forward and the same backward rule, written through the supersession machinery
// (Note [In-place Ops and Supersession], Autograd/Supersession.cs).
public partial class Tensor
{
    // The value that zero_/fill_/copy_ overwrite gets a defined zero gradient, not a symbolic one (PyTorch's
    // derivatives.yaml: `self: zeros_like(grad)`): leaves behind it end up with Grad = zeros rather than null.
    internal static readonly UnaryOp ZeroOp = new("ZeroBackward0", static (x, _) => x.Backend.Full(x._shape, x.DType, 0), Saves.None, static (g, _) => ZerosLike(g));
    internal static readonly UnaryOp FillOp = new("FillBackward2", static (x, v) => x.Backend.Full(x._shape, x.DType, v), Saves.None, static (g, _) => ZerosLike(g));

    /// <summary>Fills with zeros in place (<c>t.zero_()</c>). Returns the handle to use from now on.</summary>
    public Tensor Zero_(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        ZeroOp.ApplyInPlace(this, "Zero_", 0, Site(callerFile, callerLine, callerMember));

    /// <summary>Fills with <paramref name="value"/> in place (<c>t.fill_(v)</c>). Returns the handle to use from now on.</summary>
    public Tensor Fill_(float value,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        FillOp.ApplyInPlace(this, "Fill_", value, Site(callerFile, callerLine, callerMember));

    /// <summary>Adds <paramref name="alpha"/> * <paramref name="other"/> in place (<c>t.add_(other, alpha=alpha)</c>).</summary>
    public Tensor Add_(Tensor other, float alpha = 1,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        AddOp.ApplyInPlace(this, other, alpha, "Add_", Site(callerFile, callerLine, callerMember));

    /// <summary>Adds a scalar in place (<c>t.add_(s)</c>).</summary>
    public Tensor Add_(float value,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        AddScalarOp.ApplyInPlace(this, "Add_", value, Site(callerFile, callerLine, callerMember));

    /// <summary>Subtracts <paramref name="alpha"/> * <paramref name="other"/> in place (<c>t.sub_(other, alpha=alpha)</c>).</summary>
    public Tensor Sub_(Tensor other, float alpha = 1,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        SubOp.ApplyInPlace(this, other, alpha, "Sub_", Site(callerFile, callerLine, callerMember));

    /// <summary>Subtracts a scalar in place (<c>t.sub_(s)</c>).</summary>
    public Tensor Sub_(float value,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        SubScalarOp.ApplyInPlace(this, "Sub_", value, Site(callerFile, callerLine, callerMember));

    /// <summary>Multiplies by <paramref name="other"/> in place (<c>t.mul_(other)</c>).</summary>
    public Tensor Mul_(Tensor other,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        MulOp.ApplyInPlace(this, other, 1, "Mul_", Site(callerFile, callerLine, callerMember));

    /// <summary>Multiplies by a scalar in place (<c>t.mul_(s)</c>).</summary>
    public Tensor Mul_(float value,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        MulScalarOp.ApplyInPlace(this, "Mul_", value, Site(callerFile, callerLine, callerMember));

    /// <summary>Divides by <paramref name="other"/> in place (<c>t.div_(other)</c>).</summary>
    public Tensor Div_(Tensor other,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        DivOp.ApplyInPlace(this, other, 1, "Div_", Site(callerFile, callerLine, callerMember));

    /// <summary>Divides by a scalar in place (<c>t.div_(s)</c>).</summary>
    public Tensor Div_(float value,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        DivScalarOp.ApplyInPlace(this, "Div_", value, Site(callerFile, callerLine, callerMember));

    /// <summary>Applies ReLU in place (<c>t.relu_()</c>).</summary>
    public Tensor Relu_(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        ReluOp.ApplyInPlace(this, "Relu_", 0, Site(callerFile, callerLine, callerMember));

    /// <summary>Applies the sigmoid in place (<c>t.sigmoid_()</c>).</summary>
    public Tensor Sigmoid_(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        SigmoidOp.ApplyInPlace(this, "Sigmoid_", 0, Site(callerFile, callerLine, callerMember));

    /// <summary>Copies <paramref name="src"/> (broadcast, converted to this dtype) into this tensor (<c>t.copy_(src)</c>).</summary>
    public Tensor Copy_(Tensor src,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        CopyInPlaceCore(src, "Copy_", allowRebase: true, Site(callerFile, callerLine, callerMember));

    internal Tensor CopyInPlaceCore(Tensor src, string op, bool allowRebase = false, CallSite site = default)
    {
        ArgumentNullException.ThrowIfNull(src);
        if (Shape.TryBroadcast(_shape, src._shape) is not { } b || !b.AsSpan().SequenceEqual(_shape))
            throw new ShapeMismatchException($"{op}: the source {src.Describe()} cannot be broadcast to the destination {Describe()}.");
        if (!DType.IsFloatingPoint() && src.RequiresGrad && GradMode.IsEnabled)
            throw new DTypeMismatchException($"{op}: cannot copy a tensor that requires grad ({src.Describe()}) into an Int64 tensor.");
        if (!allowRebase && Graph.ShouldRecord([this, src]))
        {
            CheckInPlaceRecordable(op, site);
            throw new NotSupportedException(
                $"{op} into {Describe()} with {src.Describe()} would record a node and give the receiver a new history, which an indexer " +
                "cannot return. Use Copy_ on the tensor and keep the handle it returns, or build the value out of place with SliceScatter.");
        }
        if (src.Device != Device) src = src.To(Device);   // copy_ moves between devices (recorded as ToCopyBackward0)
        var value = Backend.Full((int[])_shape.Clone(), DType, 0);
        value.Backend.CopyInto(value, src);
        return InPlace(op, site, "CopyBackwards", value, [this, src], static (g, s) => [s.NeedsGrad(0) ? ZerosLike(g) : null, g]);
    }
}
