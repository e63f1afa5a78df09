using System.Numerics;
using System.Numerics.Tensors;

namespace Functional;

internal static partial class CpuKernels
{
    /// <summary>The sum or max of all elements, as a 0-d tensor.</summary>
    public static Tensor ReduceAll(Tensor x, ReduceKernel op) => x.DType switch
    {
        DType.Float32 => ReduceAll<float>(x, op),
        DType.Float64 => ReduceAll<double>(x, op),
        _ => throw NotForInt64(op.ToString(), x),
    };

    private static Tensor ReduceAll<T>(Tensor x, ReduceKernel op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        T r = op == ReduceKernel.Sum ? PairwiseSum(src) : TensorPrimitives.Max(src);
        return Wrap(new[] { r }, []);
    }

    // Note [Pairwise Summation]
    // Float32 sums are cascaded, as PyTorch's are: blocks are summed by TensorPrimitives (vectorised, several
    // accumulators) and the block sums are added pairwise, so the rounding error grows with log n rather than n.
    // A running float sum of a million 0.1s is off by about 1%; this is off by about 1e-6.
    private const int SumBlock = 1024;
    private const int RowBlock = 8;

    private static T PairwiseSum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length <= SumBlock) return TensorPrimitives.Sum(x);
        int half = (x.Length / 2 + SumBlock - 1) / SumBlock * SumBlock;
        return PairwiseSum(x[..half]) + PairwiseSum(x[half..]);
    }

    /// <summary>dst = the sum of <paramref name="count"/> rows of length dst.Length, <paramref name="stride"/> apart, from <paramref name="start"/>.</summary>
    private static void PairwiseRows<T>(ReadOnlySpan<T> src, int start, int count, int stride, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inner = dst.Length;
        if (count <= RowBlock)
        {
            src.Slice(start, inner).CopyTo(dst);
            for (int j = 1; j < count; j++) TensorPrimitives.Add(dst, src.Slice(start + j * stride, inner), dst);
            return;
        }
        int half = count / 2;
        PairwiseRows(src, start, half, stride, dst);
        var rented = System.Buffers.ArrayPool<T>.Shared.Rent(inner);
        var tmp = rented.AsSpan(0, inner);
        PairwiseRows(src, start + half * stride, count - half, stride, tmp);
        TensorPrimitives.Add(dst, tmp, dst);
        System.Buffers.ArrayPool<T>.Shared.Return(rented);
    }

    /// <summary>Reduces dimension <paramref name="dim"/> (already normalized); the result keeps it as size 1.</summary>
    public static Tensor ReduceDim(Tensor x, int dim, ReduceKernel op) => x.DType switch
    {
        DType.Float32 => ReduceDim<float>(x, dim, op),
        DType.Float64 => ReduceDim<double>(x, dim, op),
        _ => throw NotForInt64(op.ToString(), x),
    };

    private static (int Outer, int N, int Inner) Split(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[dim], inner);
    }

    private static Tensor ReduceDim<T>(Tensor x, int dim, ReduceKernel op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        var (outer, n, inner) = Split(x._shape, dim);
        var outShape = Shape.Copy(x._shape);
        outShape[dim] = 1;
        var res = HostPool.Allocate<T>(outer * inner, zeroed: n == 0);   // an empty sum is 0; otherwise every element is written
        var dst = res.Data;
        if (n == 0)
        {
            if (op == ReduceKernel.Max)
                throw new ArgumentException($"max(): Expected reduction dim {dim} to have non-zero size ({x.Describe()}).");
            return Wrap(res, outShape);
        }
        for (int o = 0; o < outer; o++)
        {
            var row = dst.AsSpan(o * inner, inner);
            int baseIdx = o * n * inner;
            if (op == ReduceKernel.Sum)
            {
                if (inner == 1) row[0] = PairwiseSum(src.Slice(baseIdx, n));
                else PairwiseRows(src, baseIdx, n, inner, row);
                continue;
            }
            if (inner == 1) { row[0] = TensorPrimitives.Max(src.Slice(baseIdx, n)); continue; }
            src.Slice(baseIdx, inner).CopyTo(row);
            for (int j = 1; j < n; j++) TensorPrimitives.Max(row, src.Slice(baseIdx + j * inner, inner), row);
        }
        return Wrap(res, outShape);
    }

    /// <summary>Indices of the maxima along <paramref name="dim"/> (first occurrence; NaN counts as the maximum).</summary>
    public static Tensor ArgMax(Tensor x, int dim) => x.DType switch
    {
        DType.Float32 => ArgMax<float>(x, dim),
        DType.Float64 => ArgMax<double>(x, dim),
        _ => ArgMax<long>(x, dim),
    };

    private static Tensor ArgMax<T>(Tensor x, int dim) where T : unmanaged, INumber<T>
    {
        var src = x.ContiguousSpan<T>();
        var (outer, n, inner) = Split(x._shape, dim);
        if (n == 0 && outer * inner > 0)
            throw new ArgumentException($"argmax(): Expected reduction dim {dim} to have non-zero size ({x.Describe()}).");
        var res = Result<long>(outer * inner);   // every element is written
        var dst = res.Data;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                T best = src[b]; long bi = 0;
                if (!T.IsNaN(best))
                    for (int j = 1; j < n; j++)
                    {
                        T v = src[b + j * inner];
                        if (T.IsNaN(v)) { bi = j; break; }
                        if (v > best) { best = v; bi = j; }
                    }
                dst[o * inner + i] = bi;
            }
        var outShape = Shape.Copy(x._shape);
        outShape[dim] = 1;
        return Wrap(res, outShape);
    }

    /// <summary>Softmax or log-softmax along <paramref name="dim"/>, max-shifted for stability.</summary>
    public static Tensor Softmax(Tensor x, int dim, bool log) => x.DType switch
    {
        DType.Float32 => Softmax<float>(x, dim, log),
        DType.Float64 => Softmax<double>(x, dim, log),
        _ => throw NotForInt64(log ? "LogSoftmax" : "Softmax", x),
    };

    private static Tensor Softmax<T>(Tensor x, int dim, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        var (outer, n, inner) = Split(x._shape, dim);
        var res = Result<T>(src.Length);   // every element is written
        var dst = res.Data;
        var col = new T[n];
        var tmp = new T[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                Span<T> c = col;
                if (inner == 1) src.Slice(b, n).CopyTo(c);
                else for (int j = 0; j < n; j++) c[j] = src[b + j * inner];
                if (n == 0) continue;
                T max = TensorPrimitives.Max(c);
                if (T.IsInfinity(max)) max = T.Zero;   // all -inf (or +inf present): shifting by inf would give NaN
                TensorPrimitives.Subtract(c, max, c);
                TensorPrimitives.Exp(c, tmp);
                T sum = TensorPrimitives.Sum<T>(tmp);
                if (log) TensorPrimitives.Subtract(c, T.Log(sum), c);
                else TensorPrimitives.Divide(tmp, sum, c);
                if (inner == 1) c.CopyTo(dst.AsSpan(b, n));
                else for (int j = 0; j < n; j++) dst[b + j * inner] = c[j];
            }
        return Wrap(res, Shape.Copy(x._shape));
    }
}
