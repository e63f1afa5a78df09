namespace Functional;

// Pointwise math and activations: exp log sqrt abs sigmoid tanh relu. Each rule is written with Tensor ops,
// so under createGraph it records its own graph (higher derivatives); masks are constants.
public partial class Tensor
{
    /// <summary>Elementwise e^x (<c>torch.exp</c>).</summary>
    public Tensor Exp() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Exp), "ExpBackward0", [this], static (g, s) => [g * s.Output], saveOutput: true);

    /// <summary>Elementwise natural logarithm (<c>torch.log</c>).</summary>
    public Tensor Log() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Log), "LogBackward0", [this], static (g, s) => [g / s[0]], save: [this]);

    /// <summary>Elementwise square root (<c>torch.sqrt</c>).</summary>
    public Tensor Sqrt() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Sqrt), "SqrtBackward0", [this], static (g, s) => [g / (s.Output * 2f)], saveOutput: true);

    /// <summary>Elementwise absolute value (<c>torch.abs</c>); its gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Abs() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Abs), "AbsBackward0", [this], static (g, s) => [g * CpuKernels.Unary(s[0], UnaryOp.Sign)], save: [this]);

    /// <summary>Elementwise logistic sigmoid 1/(1+e^-x) (<c>torch.sigmoid</c>).</summary>
    public Tensor Sigmoid() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Sigmoid), "SigmoidBackward0", [this],
            static (g, s) => [g * (s.Output * (1f - s.Output))], saveOutput: true);

    /// <summary>Elementwise hyperbolic tangent (<c>torch.tanh</c>).</summary>
    public Tensor Tanh() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Tanh), "TanhBackward0", [this],
            static (g, s) => [g * (1f - s.Output * s.Output)], saveOutput: true);

    /// <summary>Elementwise max(x, 0) (<c>torch.relu</c>); its gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Relu() =>
        Graph.Record(CpuKernels.Unary(this, UnaryOp.Relu), "ReluBackward0", [this],
            static (g, s) => [g * CpuKernels.Compare(s.Output, 0, CompareOp.Gt)], saveOutput: true);

    /// <summary>Replaces elements where <paramref name="mask"/> (a 0/1 constant of the result's shape) is 1 with
    /// <paramref name="value"/>; those elements get no gradient.</summary>
    internal Tensor MaskedFill(Tensor mask, float value)
    {
        var keep = 1f - mask;   // constant: mask never requires grad
        var filled = CpuKernels.Binary(CpuKernels.Binary(this, keep, BinaryOp.Mul, _shape), CpuKernels.Scalar(mask, value, BinaryOp.Mul, false), BinaryOp.Add, _shape);
        // x*0 is NaN for x = ±inf or NaN; put the fill value back explicitly where the mask is set.
        var m = mask.ToDoubleArray();
        var dst = filled.DType == DType.Float32 ? (Array)filled.StorageOf<float>().Data : filled.StorageOf<double>().Data;
        for (int i = 0; i < m.Length; i++)
            if (m[i] != 0)
            {
                if (dst is float[] f) f[i] = value; else ((double[])dst)[i] = value;
            }
        return Graph.Record(filled, "MaskedFillBackward0", [this], (g, _) => [g * keep], savesScalars: true);
    }
}
