using System.Runtime.CompilerServices;

namespace Functional;

// Reductions: sum, mean, max, argmax, and the sum-to-shape the engine uses to undo broadcasting.
public partial class Tensor
{
    /// <summary>The sum of all elements, a 0-d tensor (<c>t.sum()</c>).</summary>
    public Tensor Sum()
    {
        var inShape = _shape;
        return Graph.Record(Backend.ReduceAll(this, ReduceKernel.Sum), "SumBackward0", [this], (g, _) => [g.Expand(inShape)]);
    }

    /// <summary>The sum over dimension <paramref name="dim"/> (<c>t.sum(dim, keepdim)</c>).</summary>
    public Tensor Sum(int dim, bool keepDim = false)
    {
        int d = Shape.NormalizeDim(dim, Rank);
        var inShape = _shape;
        var kept = Rank == 0 ? Backend.Contiguous(this) : Backend.ReduceDim(this, d, ReduceKernel.Sum);
        var result = keepDim || Rank == 0 ? kept : kept.AsShape(_shape.Where((_, i) => i != d).ToArray());
        return Graph.Record(result, "SumBackward1", [this],
            (g, _) => [(keepDim || inShape.Length == 0 ? g : g.Unsqueeze(d)).Expand(inShape)]);
    }

    /// <summary>The mean of all elements, a 0-d tensor (<c>t.mean()</c>).</summary>
    public Tensor Mean()
    {
        var inShape = _shape;
        float n = NumElements;
        var sum = Backend.ReduceAll(this, ReduceKernel.Sum);
        return Graph.Record(sum.Backend.Scalar(sum, n, BinaryKernel.Div, false), "MeanBackward0", [this], (g, _) => [g.Expand(inShape) / n]);
    }

    /// <summary>The mean over dimension <paramref name="dim"/> (<c>t.mean(dim, keepdim)</c>).</summary>
    public Tensor Mean(int dim, bool keepDim = false)
    {
        int d = Shape.NormalizeDim(dim, Rank);
        float n = Rank == 0 ? 1 : _shape[d];
        Tensor sum;
        using (GradMode.Set(false)) sum = Sum(d, keepDim);
        var inShape = _shape;
        return Graph.Record(sum.Backend.Scalar(sum, n, BinaryKernel.Div, false), "MeanBackward1", [this],
            (g, _) => [(keepDim || inShape.Length == 0 ? g : g.Unsqueeze(d)).Expand(inShape) / n]);
    }

    /// <summary>The largest element, a 0-d tensor (<c>t.max()</c>). NaN propagates. The gradient is shared evenly
    /// among tied maxima, as in PyTorch.</summary>
    public Tensor Max()
    {
        if (NumElements == 0)
            throw new ArgumentException($"max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument. ({Describe()})");
        return Graph.Record(Backend.ReduceAll(this, ReduceKernel.Max), "MaxBackward1", [this], static (g, s) =>
        {
            var mask = s.Self.Backend.Binary(s.Self.Backend.Contiguous(s.Self), s.Result, BinaryKernel.EqMask, s.Self._shape);
            var count = mask.Backend.ReduceAll(mask, ReduceKernel.Sum);
            return [g * mask.Backend.Binary(mask, count, BinaryKernel.Div, mask._shape)];
        }, save: [this], saveOutput: true);
    }

    /// <summary>The indices of the maxima along <paramref name="dim"/>, as Int64 (<c>t.argmax(dim)</c>); first
    /// occurrence on ties. Not differentiable.</summary>
    public Tensor ArgMax(int dim, bool keepDim = false,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        int d = Shape.NormalizeDim(dim, Rank);
        var site = new CallSite(callerFile, callerLine, callerMember);
        if (Rank == 0) return Graph.NonDifferentiable(FromHost(new[] { 0L }, [], Device), "ArgMax", this, site);
        var kept = Backend.ArgMax(this, d);
        return Graph.NonDifferentiable(keepDim ? kept : kept.AsShape(_shape.Where((_, i) => i != d).ToArray()), "ArgMax", this, site);
    }

    /// <summary>The index of the maximum of the flattened tensor, as a 0-d Int64 tensor (<c>t.argmax()</c>).</summary>
    public Tensor ArgMax(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.NonDifferentiable(Backend.ArgMax(Backend.Contiguous(this).AsShape([NumElements]), 0).AsShape([]),
                                "ArgMax", this, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>Sums a (broadcast) gradient back to <paramref name="shape"/>: over leading dimensions and where the
    /// target has size 1. The engine calls this for every input of a broadcasting op.</summary>
    internal Tensor SumToShape(int[] shape)
    {
        if (_shape.AsSpan().SequenceEqual(shape)) return this;
        var t = this;
        int lead = Rank - shape.Length;
        for (int i = 0; i < lead; i++) t = t.Sum(0);
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] == 1 && t._shape[i] != 1) t = t.Sum(i, keepDim: true);
        return t;
    }
}
