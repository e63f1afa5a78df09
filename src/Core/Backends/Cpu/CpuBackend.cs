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

    // Every method keeps its tensor arguments reachable until the kernel is done with their arrays (GC.KeepAlive):
    // otherwise a collection in the middle could find a storage dead and recycle its array into the result
    // (Note [Host Pool]).
    public override Tensor Full(int[] shape, DType dtype, double value) => CpuKernels.Full(shape, dtype, value);
    public override Tensor FromHost<T>(T[] data, int[] shape) => CpuKernels.Wrap(data, shape);
    public override T[] ToHost<T>(Tensor t) => Kept(CpuKernels.ToContiguousArray<T>(t), t);
    public override Tensor Contiguous(Tensor t) => Kept(CpuKernels.Contiguous(t), t);
    public override Tensor Convert(Tensor t, DType dtype) => Kept(CpuKernels.Convert(t, dtype), t);
    public override void CopyInto(Tensor dst, Tensor src) { CpuKernels.CopyInto(dst, src); GC.KeepAlive(dst); GC.KeepAlive(src); }

    public override Tensor Unary(Tensor x, UnaryKernel op) => Kept(CpuKernels.Unary(x, op), x);
    public override Tensor Binary(Tensor a, Tensor b, BinaryKernel op, int[] outShape) => Kept(CpuKernels.Binary(a, b, op, outShape), a, b);
    public override Tensor Scalar(Tensor x, double s, BinaryKernel op, bool scalarFirst) => Kept(CpuKernels.Scalar(x, s, op, scalarFirst), x);
    public override Tensor Compare(Tensor x, double value, CompareKernel op) => Kept(CpuKernels.Compare(x, value, op), x);
    public override Tensor MaskedFill(Tensor x, Tensor mask, double value) => Kept(CpuKernels.MaskedFill(x, mask, value), x, mask);
    public override Tensor ReluGrad(Tensor g, Tensor output) => Kept(CpuKernels.ReluGrad(g, output), g, output);

    public override Tensor ReduceAll(Tensor x, ReduceKernel op) => Kept(CpuKernels.ReduceAll(x, op), x);
    public override Tensor ReduceDim(Tensor x, int dim, ReduceKernel op) => Kept(CpuKernels.ReduceDim(x, dim, op), x);
    public override Tensor ArgMax(Tensor x, int dim) => Kept(CpuKernels.ArgMax(x, dim), x);
    public override Tensor Softmax(Tensor x, int dim, bool log) => Kept(CpuKernels.Softmax(x, dim, log), x);

    public override Tensor MatMul(Tensor a, Tensor b, int[] outShape) => Kept(CpuKernels.MatMul(a, b, outShape), a, b);
    public override void AddRowsInPlace(Tensor rows, Tensor bias) { CpuKernels.AddRowsInPlace(rows, bias); GC.KeepAlive(rows); GC.KeepAlive(bias); }

    /// <summary><paramref name="result"/>, after keeping <paramref name="a"/> (and <paramref name="b"/>) alive until now.</summary>
    private static TResult Kept<TResult>(TResult result, Tensor a, Tensor? b = null)
    {
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return result;
    }

    public override void AdamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper h)
    {
        if (p.DType == DType.Float64) Adam<double>(p, g, m, v, h);
        else Adam<float>(p, g, m, v, h);
    }

    private static void Adam<T>(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper h) where T : unmanaged, IFloatingPointIeee754<T> =>
        new AdamStep<T>(h.Beta1, h.Beta2, h.Eps, h.Lr, h.WeightDecay, h.Decoupled, h.Step)
            .Run(Dense<T>(p), g.ContiguousSpan<T>(), Dense<T>(m), Dense<T>(v));

    // (The optimizer methods need no GC.KeepAlive: the optimizer holds p, its gradient and its state for the whole step.)

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
            var d = Scratch<T>(n, 0);
            TensorPrimitives.MultiplyAdd(p.ContiguousSpan<T>(), S(h.WeightDecay), g, d);    // grad.add(param, alpha=wd)
            g = d;
        }
        if (h.Momentum != 0)
        {
            if (buffer is null)
            {
                var copy = CpuKernels.Result<T>(n);
                g.CopyTo(copy.Data);
                buffer = CpuKernels.Wrap(copy, Shape.Copy(p._shape));                   // torch.clone(d_p).detach()
            }
            else
            {
                var buf = Dense<T>(buffer);
                TensorPrimitives.Multiply(buf, S(h.Momentum), buf);                         // buf.mul_(momentum)
                TensorPrimitives.MultiplyAdd(g, S(1 - h.Dampening), buf, buf);             // .add_(d_p, alpha=1 - dampening)
            }
            ReadOnlySpan<T> b = Dense<T>(buffer);
            if (h.Nesterov)
            {
                var d = Scratch<T>(n, 1);
                TensorPrimitives.MultiplyAdd(b, S(h.Momentum), g, d);                      // d_p.add(buf, alpha=momentum)
                g = d;
            }
            else g = b;
        }
        var delta = CpuKernels.Result<T>(n);
        TensorPrimitives.Multiply(g, S(-h.Lr), delta.Data);                                // -lr * d_p
        return CpuKernels.Wrap(delta, Shape.Copy(p._shape));
    }

    /// <summary>Scratch span number <paramref name="slot"/> (0 or 1) of n elements for this thread, reused by the next
    /// call: the weight-decay (slot 0) and Nesterov (slot 1) directions above, both read before the step returns.</summary>
    private static Span<T> Scratch<T>(int n, int slot) where T : unmanaged
    {
        ref var buffer = ref slot == 0 ? ref ScratchOf<T>.First : ref ScratchOf<T>.Second;
        if (buffer is null || buffer.Length < n) buffer = GC.AllocateUninitializedArray<T>(n);
        return buffer.AsSpan(0, n);
    }

    private static class ScratchOf<T>
    {
        [ThreadStatic] public static T[]? First;
        [ThreadStatic] public static T[]? Second;
    }

    /// <summary>The elements of a contiguous tensor, writable.</summary>
    private static Span<T> Dense<T>(Tensor t) where T : unmanaged =>
        t._isContiguous ? t.StorageOf<T>().Data.AsSpan(t._offset, t.NumElements)
                        : throw new ArgumentException($"expected a contiguous tensor, got {t.Describe()}.");
}
