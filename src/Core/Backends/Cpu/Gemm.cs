using System.Numerics;
using System.Numerics.Tensors;

namespace Functional;

internal static partial class CpuKernels
{
    /// <summary>A strided 2-D matrix operand: element (i, k) is at Data[Offset + i*RowStride + k*ColStride].</summary>
    public readonly record struct Mat<T>(T[] Data, int Offset, int RowStride, int ColStride);

    private const long SmallWork = 2048;   // multiply-adds at or below which packing costs more than it saves

    /// <summary>
    /// C[m,n] = A[m,k] @ B[k,n] (or C += A @ B when <paramref name="accumulate"/>), C dense row-major at
    /// <paramref name="cOff"/>. A and B may be any strided views (transposed, sliced, broadcast); no copies are needed.
    /// Runs on OpenBLAS or the managed packed GEMM, as <see cref="Blas.Provider"/> says.
    /// </summary>
    public static void Gemm<T>(int m, int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) c.AsSpan(cOff, m * n).Clear();
            return;
        }
        if (Blas.Provider == GemmProvider.OpenBlas) OpenBlas.Gemm(m, n, k, a, b, c, cOff, accumulate);
        else if ((long)m * n * k <= SmallWork) GemmSmall(m, n, k, a, b, c, cOff, accumulate);
        else if (n == 1 && a.ColStride == 1 && b.RowStride == 1) GemvDots(m, k, a, b, c, cOff, accumulate);
        else if (m == 1 && b.ColStride == 1) GemvRows(n, k, a, b, c, cOff, accumulate);
        else PackedGemm.Run(m, n, k, a, b, c, cOff, n, accumulate);
    }

    /// <summary>Tiny products: the textbook triple loop (no packing to amortise).</summary>
    private static void GemmSmall<T>(int m, int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] A = a.Data, B = b.Data;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T s = accumulate ? c[cOff + i * n + j] : T.Zero;
                int ap = a.Offset + i * a.RowStride, bp = b.Offset + j * b.ColStride;
                for (int p = 0; p < k; p++, ap += a.ColStride, bp += b.RowStride) s += A[ap] * B[bp];
                c[cOff + i * n + j] = s;
            }
    }

    /// <summary>Matrix-vector (n = 1) with A's rows and B's column contiguous: one dot product per row.</summary>
    private static void GemvDots<T>(int m, int k, Mat<T> a, Mat<T> b, T[] c, int cOff, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = b.Data.AsSpan(b.Offset, k);
        for (int i = 0; i < m; i++)
        {
            T s = TensorPrimitives.Dot(a.Data.AsSpan(a.Offset + i * a.RowStride, k), x);
            c[cOff + i] = accumulate ? c[cOff + i] + s : s;
        }
    }

    /// <summary>Vector-matrix (m = 1) with B's rows contiguous: C += A[0,p] · B[p,:] for each p.</summary>
    private static void GemvRows<T>(int n, int k, Mat<T> a, Mat<T> b, T[] c, int cOff, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var row = c.AsSpan(cOff, n);
        if (!accumulate) row.Clear();
        for (int p = 0; p < k; p++)
            TensorPrimitives.MultiplyAdd(b.Data.AsSpan(b.Offset + p * b.RowStride, n), a.Data[a.Offset + p * a.ColStride], row, row);
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
        var res = Result<T>(Shape.Product(outShape));   // Gemm writes every element
        var dst = res.Data;
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
        return Wrap(res, Shape.Copy(outShape));
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
