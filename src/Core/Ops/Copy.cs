namespace Functional;

// Copies and conversions: clone, contiguous, dtype and device moves, and slice_scatter (the out-of-place,
// differentiable way to write into a slice: JAX's x.at[...].set(v)).
public partial class Tensor
{
    /// <summary>A copy with its own storage that stays in the graph (<c>t.clone()</c>); the gradient passes through.</summary>
    public Tensor Clone() => Graph.Record(Backend.Contiguous(this), "CloneBackward0", [this], static (g, _) => [g]);

    /// <summary>This tensor if its elements are dense row-major, else a contiguous copy (<c>t.contiguous()</c>).</summary>
    public Tensor Contiguous() => _isContiguous ? this : Clone();

    /// <summary>A copy converted to <paramref name="dtype"/> (<c>t.to(dtype)</c>); this tensor if it already has it.
    /// The gradient is converted back.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var from = DType;
        if (RequiresGrad && !dtype.IsFloatingPoint() && GradMode.IsEnabled)
            throw new DTypeMismatchException($"To({dtype}): a tensor that requires grad cannot become Int64 in a recorded op ({Describe()}); Detach() it first.");
        return Graph.Record(Backend.Convert(this, dtype), "ToCopyBackward0", [this], (g, _) => [g.To(from)]);
    }

    /// <summary>This tensor on <paramref name="device"/> (<c>t.to(device)</c>): the same handle when it is already there,
    /// else a copy, which no longer shares storage.</summary>
    public Tensor To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device == Device) return this;
        var target = Backends.For(device);
        var from = Device;
        int[] shape = (int[])_shape.Clone();
        var copy = DType switch
        {
            DType.Float32 => target.FromHost(Backend.ToHost<float>(this), shape),
            DType.Float64 => target.FromHost(Backend.ToHost<double>(this), shape),
            _ => target.FromHost(Backend.ToHost<long>(this), shape),
        };
        return Graph.Record(copy, "ToCopyBackward0", [this], (g, _) => [g.To(from)]);
    }

    /// <summary>This tensor on the CPU (<c>t.cpu()</c>).</summary>
    public Tensor Cpu() => To(Device.Cpu);

    /// <summary>
    /// A copy of this tensor with elements [start, end) of <paramref name="dim"/> replaced by <paramref name="src"/>
    /// (<c>torch.slice_scatter</c>). Out of place and differentiable in both: the functional alternative to writing
    /// into a slice of a tensor that requires grad.
    /// </summary>
    public Tensor SliceScatter(Tensor src, int dim, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(src);
        int d = Shape.NormalizeDim(dim, Rank);
        CheckSameDevice("SliceScatter", this, src);
        var result = Backend.Contiguous(this);
        Tensor target;
        using (GradMode.Set(false)) target = result.Slice(d, start, end);
        if (!src._shape.AsSpan().SequenceEqual(target._shape))
            throw new ShapeMismatchException($"SliceScatter: src {src.Describe()} must have the shape {Shape.Format(target._shape)} of the slice [{start}, {end}) of dimension {d} of {Describe()}.");
        target.Backend.CopyInto(target, src);
        int s0 = start, e0 = end;
        return Graph.Record(result, "SliceScatterBackward0", [this, src], (g, s) =>
            [s.NeedsGrad(0) ? g.SliceScatter(ZerosLike(target), d, s0, e0) : null,
             s.NeedsGrad(1) ? g.Slice(d, s0, e0) : null]);
    }
}
