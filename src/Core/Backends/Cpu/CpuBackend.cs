using System.Numerics;
using System.Numerics.Tensors;

namespace Functional;

/// <summary>
/// The CPU backend: host arrays (<see cref="Storage{T}"/>) and the kernels in this folder (<see cref="CpuKernels"/>:
/// TensorPrimitives for elementwise work and reductions, the packed GEMM or OpenBLAS, the Adam kernel). See
/// Note [Backend Seam].
/// </summary>
internal class CpuBackend : Backend
{
    /// <summary>The backend of <see cref="Functional.Device.Cpu"/>.</summary>
    public static readonly CpuBackend Instance = new();

    private protected CpuBackend() { }

    /// <inheritdoc/>
    public override Device Device => Device.Cpu;

    public override Tensor Full(int[] shape, DType dtype, double value) => CpuKernels.Full(shape, dtype, value);
    public override Tensor FromHost<T>(T[] data, int[] shape) => CpuKernels.Wrap(data, shape);
    public override T[] ToHost<T>(Tensor t) => CpuKernels.ToContiguousArray<T>(t);
    public override Tensor Contiguous(Tensor t) => CpuKernels.Contiguous(t);
    public override Tensor Convert(Tensor t, DType dtype) => CpuKernels.Convert(t, dtype);
    public override void CopyInto(Tensor dst, Tensor src) => CpuKernels.CopyInto(dst, src);

    public override Tensor Unary(Tensor x, UnaryKernel op) => CpuKernels.Unary(x, op);
    public override Tensor Binary(Tensor a, Tensor b, BinaryKernel op, int[] outShape) => CpuKernels.Binary(a, b, op, outShape);
    public override Tensor Scalar(Tensor x, double s, BinaryKernel op, bool scalarFirst) => CpuKernels.Scalar(x, s, op, scalarFirst);
    public override Tensor Compare(Tensor x, double value, CompareKernel op) => CpuKernels.Compare(x, value, op);
    public override Tensor MaskedFill(Tensor x, Tensor mask, double value) => CpuKernels.MaskedFill(x, mask, value);
    public override Tensor ReluGrad(Tensor g, Tensor output) => CpuKernels.ReluGrad(g, output);

    public override Tensor ReduceAll(Tensor x, ReduceKernel op) => CpuKernels.ReduceAll(x, op);
    public override Tensor ReduceDim(Tensor x, int dim, ReduceKernel op) => CpuKernels.ReduceDim(x, dim, op);
    public override Tensor ArgMax(Tensor x, int dim) => CpuKernels.ArgMax(x, dim);
    public override Tensor Softmax(Tensor x, int dim, bool log) => CpuKernels.Softmax(x, dim, log);

    public override Tensor MatMul(Tensor a, Tensor b, int[] outShape) => CpuKernels.MatMul(a, b, outShape);
    public override void AddRowsInPlace(Tensor rows, Tensor bias) => CpuKernels.AddRowsInPlace(rows, bias);

    public override void AdamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper h)
    {
        if (p.DType == DType.Float64) Adam<double>(p, g, m, v, h);
        else Adam<float>(p, g, m, v, h);
    }

    private static void Adam<T>(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper h) where T : unmanaged, IFloatingPointIeee754<T> =>
        new AdamStep<T>(h.Beta1, h.Beta2, h.Eps, h.Lr, h.WeightDecay, h.Decoupled, h.Step)
            .Run(Dense<T>(p), g.ContiguousSpan<T>(), Dense<T>(m), Dense<T>(v));

    public override Tensor SgdDirection(Tensor p, Tensor grad, ref Tensor? buffer, in SgdHyper h) => p.DType == DType.Float64
        ? Sgd<double>(p, grad, ref buffer, h)
        : Sgd<float>(p, grad, ref buffer, h);

    private static Tensor Sgd<T>(Tensor p, Tensor grad, ref Tensor? buffer, in SgdHyper h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        static T S(double v) => T.CreateTruncating(v);
        var g = grad.ContiguousSpan<T>();
        int n = g.Length;
        if (h.WeightDecay != 0)
        {
            var d = new T[n];
            TensorPrimitives.MultiplyAdd(p.ContiguousSpan<T>(), S(h.WeightDecay), g, d);    // grad.add(param, alpha=wd)
            g = d;
        }
        if (h.Momentum != 0)
        {
            if (buffer is null) buffer = CpuKernels.Wrap(g.ToArray(), (int[])p._shape.Clone());   // torch.clone(d_p).detach()
            else
            {
                var buf = Dense<T>(buffer);
                TensorPrimitives.Multiply(buf, S(h.Momentum), buf);                         // buf.mul_(momentum)
                TensorPrimitives.MultiplyAdd(g, S(1 - h.Dampening), buf, buf);             // .add_(d_p, alpha=1 - dampening)
            }
            ReadOnlySpan<T> b = Dense<T>(buffer);
            if (h.Nesterov)
            {
                var d = new T[n];
                TensorPrimitives.MultiplyAdd(b, S(h.Momentum), g, d);                      // d_p.add(buf, alpha=momentum)
                g = d;
            }
            else g = b;
        }
        var delta = new T[n];
        TensorPrimitives.Multiply(g, S(-h.Lr), delta);                                     // -lr * d_p
        return CpuKernels.Wrap(delta, (int[])p._shape.Clone());
    }

    /// <summary>The elements of a contiguous tensor, writable.</summary>
    private static Span<T> Dense<T>(Tensor t) where T : unmanaged =>
        t._isContiguous ? t.StorageOf<T>().Data.AsSpan(t._offset, t.NumElements)
                        : throw new ArgumentException($"expected a contiguous tensor, got {t.Describe()}.");
}
