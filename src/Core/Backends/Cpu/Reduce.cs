using System.Numerics;
using System.Numerics.Tensors;

namespace Functional;

internal enum ReduceOp { Sum, Max }

internal static partial class CpuKernels
{
    /// <summary>The sum or max of all elements, as a 0-d tensor.</summary>
    public static Tensor ReduceAll(Tensor x, ReduceOp op) => x.DType switch
    {
        DType.Float32 => ReduceAll<float>(x, op),
        DType.Float64 => ReduceAll<double>(x, op),
        _ => throw NotForInt64(op.ToString()),
    };

    private static Tensor ReduceAll<T>(Tensor x, ReduceOp op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        T r = op == ReduceOp.Sum ? TensorPrimitives.Sum(src) : TensorPrimitives.Max(src);
        return Wrap(new[] { r }, []);
    }

    /// <summary>Reduces dimension <paramref name="dim"/> (already normalized); the result keeps it as size 1.</summary>
    public static Tensor ReduceDim(Tensor x, int dim, ReduceOp op) => x.DType switch
    {
        DType.Float32 => ReduceDim<float>(x, dim, op),
        DType.Float64 => ReduceDim<double>(x, dim, op),
        _ => throw NotForInt64(op.ToString()),
    };

    private static (int Outer, int N, int Inner) Split(int[] shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[dim], inner);
    }

    private static Tensor ReduceDim<T>(Tensor x, int dim, ReduceOp op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        var (outer, n, inner) = Split(x._shape, dim);
        var outShape = (int[])x._shape.Clone();
        outShape[dim] = 1;
        var dst = new T[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            var row = dst.AsSpan(o * inner, inner);
            int baseIdx = o * n * inner;
            if (inner == 1)
            {
                var seg = src.Slice(baseIdx, n);
                row[0] = op == ReduceOp.Sum ? TensorPrimitives.Sum(seg) : TensorPrimitives.Max(seg);
                continue;
            }
            src.Slice(baseIdx, inner).CopyTo(row);
            for (int j = 1; j < n; j++)
            {
                var seg = src.Slice(baseIdx + j * inner, inner);
                if (op == ReduceOp.Sum) TensorPrimitives.Add(row, seg, row);
                else TensorPrimitives.Max(row, seg, row);
            }
        }
        return Wrap(dst, outShape);
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
        var dst = new long[outer * inner];
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
        var outShape = (int[])x._shape.Clone();
        outShape[dim] = 1;
        return Wrap(dst, outShape);
    }

    /// <summary>Softmax or log-softmax along <paramref name="dim"/>, max-shifted for stability.</summary>
    public static Tensor Softmax(Tensor x, int dim, bool log) => x.DType switch
    {
        DType.Float32 => Softmax<float>(x, dim, log),
        DType.Float64 => Softmax<double>(x, dim, log),
        _ => throw NotForInt64(log ? "LogSoftmax" : "Softmax"),
    };

    private static Tensor Softmax<T>(Tensor x, int dim, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        var (outer, n, inner) = Split(x._shape, dim);
        var dst = new T[src.Length];
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
        return Wrap(dst, (int[])x._shape.Clone());
    }
}
