using System.Numerics;
using System.Numerics.Tensors;

namespace Functional;

internal static partial class CpuKernels
{
    // ---- unary ----------------------------------------------------------------------------------------

    public static Tensor Unary(Tensor x, UnaryKernel op) => x.DType switch
    {
        DType.Float32 => Unary<float>(x, op),
        DType.Float64 => Unary<double>(x, op),
        _ => throw NotForInt64(op.ToString(), x),
    };

    private static Tensor Unary<T>(Tensor x, UnaryKernel op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (src, off) = DenseArray<T>(x);
        var res = Result<T>(x.NumElements);   // every element is written
        AcrossCores(res.Data.Length, (src, off, res.Data, op), static (s, start, n) =>
            UnaryRange(s.op, s.src.AsSpan(s.off + start, n), s.Item3.AsSpan(start, n)));
        return Wrap(res, Shape.Copy(x._shape));
    }

    private static void UnaryRange<T>(UnaryKernel op, ReadOnlySpan<T> src, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryKernel.Neg: TensorPrimitives.Negate(src, d); break;
            case UnaryKernel.Exp: TensorPrimitives.Exp(src, d); break;
            case UnaryKernel.Log: TensorPrimitives.Log(src, d); break;
            case UnaryKernel.Sqrt: TensorPrimitives.Sqrt(src, d); break;
            case UnaryKernel.Abs: TensorPrimitives.Abs(src, d); break;
            case UnaryKernel.Sigmoid: TensorPrimitives.Sigmoid(src, d); break;
            case UnaryKernel.Tanh: TensorPrimitives.Tanh(src, d); break;
            case UnaryKernel.Relu: TensorPrimitives.Max(src, T.Zero, d); break;   // Max propagates NaN, as relu does
            case UnaryKernel.Sign:
                for (int i = 0; i < src.Length; i++) d[i] = T.IsNaN(src[i]) ? src[i] : T.CreateTruncating(T.Sign(src[i]));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(op));
        }
    }

    // Note [Elementwise Split]
    // An elementwise op over at least SplitGrain × 2 elements runs on every core (ForkJoin), each core a contiguous
    // range: one core alone does not saturate the memory bus (measured on AMD EPYC Zen 5, 2 cores, plain app:
    // (t*2+1).Relu() at 4,194,304 floats went from 32 to 78 GB/s, at 65,536 from 8 to 14). PyTorch's grain is the same
    // 32,768 elements (at::internal::GRAIN_SIZE). Below it the hand-off to a second thread costs more than the op.
    private const int SplitGrain = 32_768;

    /// <summary>Runs body(state, start, length) over [0, n), in ranges on every core when n is large enough (Note
    /// [Elementwise Split]); ranges start at multiples of 64 elements so no two cores write one cache line.</summary>
    private static void AcrossCores<TState>(int n, TState state, Action<TState, int, int> body)
    {
        int parts = Math.Min(ForkJoin.Threads, n / SplitGrain);
        if (parts <= 1) { body(state, 0, n); return; }
        int per = (n / parts + 63) & ~63;
        ForkJoin.Run(parts, (state, body, per, n), static (s, i) =>
        {
            int start = i * s.per, length = Math.Min(s.per, s.n - start);
            if (length > 0) s.body(s.state, start, length);
        });
    }

    /// <summary>x's elements as an array and the offset of the first: its own storage when contiguous, else a fresh
    /// contiguous copy.</summary>
    private static (T[] Array, int Offset) DenseArray<T>(Tensor x) where T : unmanaged =>
        x._isContiguous ? (x.StorageOf<T>().Data, x._offset) : (ContiguousCopy<T>(x).Data, 0);

    /// <summary>ReLU's backward in one pass: <paramref name="g"/> where <paramref name="output"/> &gt; 0, else 0
    /// (<c>g * (output > 0)</c> without the mask). Not differentiable: for createGraph use the product.</summary>
    public static Tensor ReluGrad(Tensor g, Tensor output) => g.DType switch
    {
        DType.Float32 => ReluGrad<float>(g, output),
        DType.Float64 => ReluGrad<double>(g, output),
        _ => throw NotForInt64("ReluBackward", g),
    };

    private static Tensor ReluGrad<T>(Tensor g, Tensor output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (gs, go) = DenseArray<T>(g);
        var (o, oo) = DenseArray<T>(output);
        var res = Result<T>(output.NumElements);
        AcrossCores(res.Data.Length, (gs, go, o, oo, res.Data), static (s, start, n) =>
            ReluGradRange(s.gs.AsSpan(s.go + start, n), s.o.AsSpan(s.oo + start, n), s.Item5.AsSpan(start, n)));
        return Wrap(res, Shape.Copy(output._shape));
    }

    private static void ReluGradRange<T>(ReadOnlySpan<T> gs, ReadOnlySpan<T> o, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i + Vector<T>.Count <= dst.Length; i += Vector<T>.Count)
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<T>(o[i..]), Vector<T>.Zero), new Vector<T>(gs[i..]), Vector<T>.Zero).CopyTo(dst[i..]);
        for (; i < dst.Length; i++) dst[i] = o[i] > T.Zero ? gs[i] : T.Zero;
    }

    /// <summary>Adds <paramref name="bias"/> [n] to every row of <paramref name="rows"/> [m, n] in place. Only for a
    /// kernel's fresh, contiguous result that no handle has seen yet.</summary>
    public static void AddRowsInPlace(Tensor rows, Tensor bias)
    {
        if (rows.DType == DType.Float64) AddRowsInPlace<double>(rows, bias);
        else AddRowsInPlace<float>(rows, bias);
    }

    private static void AddRowsInPlace<T>(Tensor rows, Tensor bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var b = bias.ContiguousSpan<T>();
        var d = rows.StorageOf<T>().Data.AsSpan(rows._offset, rows.NumElements);
        for (int r = 0; r + b.Length <= d.Length; r += b.Length) TensorPrimitives.Add(d.Slice(r, b.Length), b, d.Slice(r, b.Length));
    }

    /// <summary>A mask of x's shape and dtype: 1 where <c>x op value</c> holds, else 0. Never differentiated.</summary>
    public static Tensor Compare(Tensor x, double value, CompareKernel op) => x.DType switch
    {
        DType.Float32 => Compare<float>(x, (float)value, op),
        DType.Float64 => Compare<double>(x, value, op),
        _ => throw NotForInt64(op.ToString(), x),
    };

    private static Tensor Compare<T>(Tensor x, T v, CompareKernel op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var src = x.ContiguousSpan<T>();
        var res = Result<T>(src.Length);   // every element is written
        var dst = res.Data;
        for (int i = 0; i < src.Length; i++)
        {
            bool r = op switch { CompareKernel.Eq => src[i] == v, CompareKernel.Ge => src[i] >= v, _ => src[i] > v };
            dst[i] = r ? T.One : T.Zero;
        }
        return Wrap(res, Shape.Copy(x._shape));
    }

    /// <summary>A contiguous copy of x with <paramref name="value"/> wherever the 0/1 mask (x's shape) is set.</summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, double value) => x.DType switch
    {
        DType.Float32 => MaskedFill<float>(x, mask, (float)value),
        DType.Float64 => MaskedFill<double>(x, mask, value),
        _ => throw NotForInt64("MaskedFill", x),
    };

    private static Tensor MaskedFill<T>(Tensor x, Tensor mask, T value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var res = ContiguousCopy<T>(x);
        var dst = res.Data;
        var m = mask.ContiguousSpan<T>();
        for (int i = 0; i < dst.Length; i++) if (m[i] != T.Zero) dst[i] = value;
        return Wrap(res, Shape.Copy(x._shape));
    }

    // ---- binary with broadcasting ---------------------------------------------------------------------

    public static Tensor Binary(Tensor a, Tensor b, BinaryKernel op, int[] outShape) => a.DType switch
    {
        DType.Float32 => Binary<float>(a, b, op, outShape),
        DType.Float64 => Binary<double>(a, b, op, outShape),
        _ => throw NotForInt64(op.ToString(), a),
    };

    private static Tensor Binary<T>(Tensor a, Tensor b, BinaryKernel op, int[] outShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Shape.Product(outShape);
        var res = Result<T>(n);   // every element is written
        var dst = res.Data;
        var A = a.StorageOf<T>().Data;
        var B = b.StorageOf<T>().Data;
        bool sameShape = a._shape.AsSpan().SequenceEqual(outShape) && b._shape.AsSpan().SequenceEqual(outShape);
        if (sameShape && a._isContiguous && b._isContiguous)
        {
            AcrossCores(n, (op, A, ao: a._offset, B, bo: b._offset, dst), static (s, start, len) =>
                BinaryRow(s.op, s.A, s.ao + start, 1, s.B, s.bo + start, 1, s.dst, start, len));
            return Wrap(res, Shape.Copy(outShape));
        }
        var (dims, st) = Coalesce(outShape, BroadcastStrides(a, outShape), BroadcastStrides(b, outShape), Shape.ContiguousStrides(outShape));
        int rank = dims.Length;
        if (rank == 0)
        {
            if (n > 0) BinaryRow(op, A, a._offset, 0, B, b._offset, 0, dst, 0, 1);
            return Wrap(res, Shape.Copy(outShape));
        }
        int inner = dims[rank - 1];
        int outer = n / Math.Max(inner, 1);
        Span<int> idx = stackalloc int[rank];
        int ia = a._offset, ib = b._offset, io = 0;
        for (int o = 0; o < outer && inner > 0; o++)
        {
            BinaryRow(op, A, ia, st[0][rank - 1], B, ib, st[1][rank - 1], dst, io, inner);
            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++; ia += st[0][d]; ib += st[1][d]; io += st[2][d];
                if (idx[d] < dims[d]) break;
                ia -= st[0][d] * dims[d]; ib -= st[1][d] * dims[d]; io -= st[2][d] * dims[d]; idx[d] = 0;
            }
        }
        return Wrap(res, Shape.Copy(outShape));
    }

    /// <summary>One innermost row: out[i] = a[i*sa] op b[i*sb], with TensorPrimitives where the strides allow.</summary>
    private static void BinaryRow<T>(BinaryKernel op, T[] A, int ia, int sa, T[] B, int ib, int sb, T[] O, int io, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = O.AsSpan(io, n);
        if (sa == 1 && sb == 1)
        {
            var x = A.AsSpan(ia, n); var y = B.AsSpan(ib, n);
            switch (op)
            {
                case BinaryKernel.Add: TensorPrimitives.Add(x, y, o); return;
                case BinaryKernel.Sub: TensorPrimitives.Subtract(x, y, o); return;
                case BinaryKernel.Mul: TensorPrimitives.Multiply(x, y, o); return;
                case BinaryKernel.Div: TensorPrimitives.Divide(x, y, o); return;
                case BinaryKernel.Pow: TensorPrimitives.Pow(x, y, o); return;
            }
        }
        else if (sa == 1 && sb == 0)
        {
            var x = A.AsSpan(ia, n); T y = B[ib];
            switch (op)
            {
                case BinaryKernel.Add: TensorPrimitives.Add(x, y, o); return;
                case BinaryKernel.Sub: TensorPrimitives.Subtract(x, y, o); return;
                case BinaryKernel.Mul: TensorPrimitives.Multiply(x, y, o); return;
                case BinaryKernel.Div: TensorPrimitives.Divide(x, y, o); return;
                case BinaryKernel.Pow: TensorPrimitives.Pow(x, y, o); return;
            }
        }
        else if (sa == 0 && sb == 1)
        {
            T x = A[ia]; var y = B.AsSpan(ib, n);
            switch (op)
            {
                case BinaryKernel.Add: TensorPrimitives.Add(y, x, o); return;
                case BinaryKernel.Sub: TensorPrimitives.Subtract(x, y, o); return;
                case BinaryKernel.Mul: TensorPrimitives.Multiply(y, x, o); return;
                case BinaryKernel.Div: TensorPrimitives.Divide(x, y, o); return;
                case BinaryKernel.Pow: TensorPrimitives.Pow(x, y, o); return;
            }
        }
        for (int i = 0, p = ia, q = ib; i < n; i++, p += sa, q += sb) o[i] = Apply(op, A[p], B[q]);
    }

    private static T Apply<T>(BinaryKernel op, T x, T y) where T : IFloatingPointIeee754<T> => op switch
    {
        BinaryKernel.Add => x + y,
        BinaryKernel.Sub => x - y,
        BinaryKernel.Mul => x * y,
        BinaryKernel.Div => x / y,
        BinaryKernel.Pow => T.Pow(x, y),
        BinaryKernel.EqMask => x == y || (T.IsNaN(x) && T.IsNaN(y)) ? T.One : T.Zero,   // NaN matches NaN: max() sends its gradient there
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    // ---- tensor op scalar -----------------------------------------------------------------------------

    /// <summary>out = x op s (or s op x when <paramref name="scalarFirst"/>), in x's dtype.</summary>
    public static Tensor Scalar(Tensor x, double s, BinaryKernel op, bool scalarFirst) => x.DType switch
    {
        DType.Float32 => Scalar<float>(x, (float)s, op, scalarFirst),
        DType.Float64 => Scalar<double>(x, s, op, scalarFirst),
        _ => throw NotForInt64(op.ToString(), x),
    };

    private static Tensor Scalar<T>(Tensor x, T s, BinaryKernel op, bool scalarFirst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (src, off) = DenseArray<T>(x);
        var res = Result<T>(x.NumElements);   // every element is written
        AcrossCores(res.Data.Length, (src, off, res.Data, s, op, scalarFirst), static (st, start, n) =>
            ScalarRange(st.op, st.scalarFirst, st.src.AsSpan(st.off + start, n), st.s, st.Item3.AsSpan(start, n)));
        return Wrap(res, Shape.Copy(x._shape));
    }

    private static void ScalarRange<T>(BinaryKernel op, bool scalarFirst, ReadOnlySpan<T> src, T s, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op, scalarFirst)
        {
            case (BinaryKernel.Add, _): TensorPrimitives.Add(src, s, d); break;
            case (BinaryKernel.Mul, _): TensorPrimitives.Multiply(src, s, d); break;
            case (BinaryKernel.Sub, false): TensorPrimitives.Subtract(src, s, d); break;
            case (BinaryKernel.Sub, true): TensorPrimitives.Subtract(s, src, d); break;
            case (BinaryKernel.Div, false): TensorPrimitives.Divide(src, s, d); break;
            case (BinaryKernel.Div, true): TensorPrimitives.Divide(s, src, d); break;
            case (BinaryKernel.Pow, false): TensorPrimitives.Pow(src, s, d); break;
            case (BinaryKernel.Pow, true): TensorPrimitives.Pow(s, src, d); break;
            default:
                for (int i = 0; i < src.Length; i++) d[i] = scalarFirst ? Apply(op, s, src[i]) : Apply(op, src[i], s);
                break;
        }
    }

    /// <summary>A fresh tensor of the given shape and dtype filled with <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, DType dtype, double value)
    {
        int n = Shape.Product(shape);
        bool zero = BitConverter.DoubleToInt64Bits(value) == 0;   // +0.0 only: -0.0 must be written
        shape = Shape.Copy(shape);
        switch (dtype)
        {
            case DType.Float32: return Wrap(Filled(n, zero, (float)value), shape);
            case DType.Float64: return Wrap(Filled(n, zero, value), shape);
            default: return Wrap(Filled(n, zero, (long)value), shape);
        }
    }

    private static Storage<T> Filled<T>(int n, bool zero, T value) where T : unmanaged
    {
        var s = HostPool.Allocate<T>(n, zeroed: zero);
        if (!zero) s.Data.AsSpan().Fill(value);
        return s;
    }
}
