using System.Numerics;
using System.Numerics.Tensors;

namespace Functional;

internal static partial class CpuKernels
{
    /// <summary>A strided 2-D matrix operand: element (i, k) is at Data[Offset + i*RowStride + k*ColStride].</summary>
    public readonly record struct Mat<T>(T[] Data, int Offset, int RowStride, int ColStride);

    private const long ParallelThreshold = 1 << 18;   // multiply-adds below which threading costs more than it saves

    /// <summary>C[m,n] = A[m,k] @ B[k,n], C dense row-major at <paramref name="cOff"/>. A and B may be any strided views.</summary>
    public static void Gemm<T>(int m, int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0) { c.AsSpan(cOff, m * n).Clear(); return; }
        if (b.ColStride != 1 && !(b.RowStride == 1 && a.ColStride == 1))
        {
            // B neither row- nor column-contiguous: pack it row-major once.
            var packed = new T[k * n];
            CopyStrided(b.Data, b.Offset, [b.RowStride, b.ColStride], packed, 0, [n, 1], [k, n]);
            b = new Mat<T>(packed, 0, n, 1);
        }
        long work = (long)m * n * k;
        bool dot = b.ColStride != 1;   // B is column-contiguous (e.g. W.T) and A rows are contiguous: dot products
        if (work < ParallelThreshold || m < 8)
        {
            if (dot) GemmDot(0, m, n, k, a, b, c, cOff); else GemmRows(0, m, n, k, a, b, c, cOff);
            return;
        }
        int chunks = Math.Min(Environment.ProcessorCount * 2, (m + 3) / 4);
        int per = ((m + chunks - 1) / chunks + 3) / 4 * 4;
        Parallel.For(0, (m + per - 1) / per, ch =>
        {
            int i0 = ch * per, i1 = Math.Min(m, i0 + per);
            if (dot) GemmDot(i0, i1, n, k, a, b, c, cOff); else GemmRows(i0, i1, n, k, a, b, c, cOff);
        });
    }

    /// <summary>Rows [i0, i1) of C with B row-contiguous: a 4-row by 2-vector register-blocked kernel.</summary>
    private static void GemmRows<T>(int i0, int i1, int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int W = Vector<T>.Count;
        var A = a.Data; var B = b.Data;
        int i = i0;
        for (; i + 4 <= i1; i += 4)
        {
            int ar0 = a.Offset + i * a.RowStride, ar1 = ar0 + a.RowStride, ar2 = ar1 + a.RowStride, ar3 = ar2 + a.RowStride;
            int j = 0;
            for (; j + 2 * W <= n; j += 2 * W)
            {
                Vector<T> c00 = Vector<T>.Zero, c01 = Vector<T>.Zero, c10 = Vector<T>.Zero, c11 = Vector<T>.Zero;
                Vector<T> c20 = Vector<T>.Zero, c21 = Vector<T>.Zero, c30 = Vector<T>.Zero, c31 = Vector<T>.Zero;
                int bp = b.Offset + j;
                for (int p = 0, ap = 0; p < k; p++, bp += b.RowStride, ap += a.ColStride)
                {
                    var b0 = new Vector<T>(B, bp);
                    var b1 = new Vector<T>(B, bp + W);
                    var x0 = new Vector<T>(A[ar0 + ap]); c00 += x0 * b0; c01 += x0 * b1;
                    var x1 = new Vector<T>(A[ar1 + ap]); c10 += x1 * b0; c11 += x1 * b1;
                    var x2 = new Vector<T>(A[ar2 + ap]); c20 += x2 * b0; c21 += x2 * b1;
                    var x3 = new Vector<T>(A[ar3 + ap]); c30 += x3 * b0; c31 += x3 * b1;
                }
                int cr = cOff + i * n + j;
                c00.CopyTo(c, cr); c01.CopyTo(c, cr + W);
                c10.CopyTo(c, cr + n); c11.CopyTo(c, cr + n + W);
                c20.CopyTo(c, cr + 2 * n); c21.CopyTo(c, cr + 2 * n + W);
                c30.CopyTo(c, cr + 3 * n); c31.CopyTo(c, cr + 3 * n + W);
            }
            if (j < n)
                for (int r = 0; r < 4; r++) RowTail(i + r, j, n, k, a, b, c, cOff);
        }
        for (; i < i1; i++) RowTail(i, 0, n, k, a, b, c, cOff);
    }

    /// <summary>C[i, j0..n) by row axpys: C_i += A[i,p] * B_p.</summary>
    private static void RowTail<T>(int i, int j0, int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var row = c.AsSpan(cOff + i * n + j0, n - j0);
        row.Clear();
        for (int p = 0; p < k; p++)
        {
            T x = a.Data[a.Offset + i * a.RowStride + p * a.ColStride];
            TensorPrimitives.MultiplyAdd(b.Data.AsSpan(b.Offset + p * b.RowStride + j0, n - j0), x, row, row);
        }
    }

    /// <summary>Rows [i0, i1) of C where A's rows and B's columns are contiguous: C[i,j] = dot(A_i, B_:j).</summary>
    private static void GemmDot<T>(int i0, int i1, int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = i0; i < i1; i++)
        {
            var ar = a.Data.AsSpan(a.Offset + i * a.RowStride, k);
            for (int j = 0; j < n; j++)
                c[cOff + i * n + j] = TensorPrimitives.Dot(ar, b.Data.AsSpan(b.Offset + j * b.ColStride, k));
        }
    }

    /// <summary>Batched matmul of a[..., m, k] and b[..., k, n] with broadcast batch dims; out has shape outShape.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, int[] outShape) => a.DType switch
    {
        DType.Float32 => MatMul<float>(a, b, outShape),
        DType.Float64 => MatMul<double>(a, b, outShape),
        _ => throw NotForInt64("MatMul", a),
    };

    private static Tensor MatMul<T>(Tensor a, Tensor b, int[] outShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int r = outShape.Length;
        int m = outShape[r - 2], n = outShape[r - 1], k = a._shape[^1];
        var dst = new T[Shape.Product(outShape)];
        var batchShape = outShape[..(r - 2)];
        int batches = Shape.Product(batchShape);
        var aStr = BatchStrides(a, batchShape); var bStr = BatchStrides(b, batchShape);
        var A = a.StorageOf<T>().Data; var B = b.StorageOf<T>().Data;
        Span<int> idx = stackalloc int[Math.Max(batchShape.Length, 1)];
        idx.Clear();
        for (int t = 0; t < batches; t++)
        {
            int ao = a._offset, bo = b._offset;
            for (int d = 0; d < batchShape.Length; d++) { ao += idx[d] * aStr[d]; bo += idx[d] * bStr[d]; }
            Gemm(m, n, k, new Mat<T>(A, ao, a._strides[^2], a._strides[^1]), new Mat<T>(B, bo, b._strides[^2], b._strides[^1]), dst, t * m * n);
            for (int d = batchShape.Length - 1; d >= 0; d--) { if (++idx[d] < batchShape[d]) break; idx[d] = 0; }
        }
        return Wrap(dst, (int[])outShape.Clone());
    }

    private static int[] BatchStrides(Tensor t, int[] batchShape)
    {
        var r = new int[batchShape.Length];
        int tb = t.Rank - 2, lead = batchShape.Length - tb;
        for (int i = lead; i < batchShape.Length; i++)
            r[i] = t._shape[i - lead] == 1 ? 0 : t._strides[i - lead];
        return r;
    }
}
