using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Functional;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c> / <c>cblas_dgemm</c>, loaded at run time with <see cref="NativeLibrary"/>: a missing
/// library (or one without these exports) only makes <see cref="IsAvailable"/> false, never a load-time crash.
/// Strided operands are passed as they are when one of their strides is 1 (row-major, or transposed with the
/// transpose flag); any other view is copied to a contiguous scratch array first.
/// </summary>
internal static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;   // CBLAS_ORDER, CBLAS_TRANSPOSE

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> s_sgemm;
    private static readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> s_dgemm;
    private static readonly string[] s_tried;

    /// <summary>True when the library loaded and exports both functions.</summary>
    public static bool IsAvailable => LoadedFrom is not null;

    /// <summary>The path or name the library was loaded from; null when not available.</summary>
    public static string? LoadedFrom { get; }

    static OpenBlas()
    {
        var candidates = new List<string>();
        string? path = Environment.GetEnvironmentVariable("FUNCTIONAL_OPENBLAS");
        if (!string.IsNullOrWhiteSpace(path)) candidates.Add(path);
        candidates.AddRange(["libopenblas.so.0", "libopenblas"]);
        s_tried = [.. candidates];
        foreach (var name in candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm) && NativeLibrary.TryGetExport(handle, "cblas_dgemm", out var dgemm))
            {
                s_sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
                s_dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)dgemm;
                LoadedFrom = name;
                return;
            }
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>Why OpenBLAS is not available, and what to do about it.</summary>
    public static string NotLoadedReason() =>
        $"OpenBLAS is not available (tried {string.Join(", ", s_tried)}: none loaded with cblas_sgemm and cblas_dgemm). " +
        "Install it (Debian: libopenblas0-pthread) or set FUNCTIONAL_OPENBLAS to the path of libopenblas.so.0.";

    /// <summary>C[m,n] (+)= A[m,k] @ B[k,n], C dense row-major at <paramref name="cOff"/>, through cblas_?gemm.</summary>
    public static void Gemm<T>(int m, int n, int k, CpuKernels.Mat<T> a, CpuKernels.Mat<T> b, T[] c, int cOff, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!IsAvailable) throw new InvalidOperationException(NotLoadedReason());
        T[]? scratchA = null, scratchB = null;
        try
        {
            if (!Describe(m, k, a, out int transA, out int lda))
            {
                a = Packed(m, k, a);
                (scratchA, transA, lda) = (a.Data, NoTrans, k);
            }
            if (!Describe(k, n, b, out int transB, out int ldb))
            {
                b = Packed(k, n, b);
                (scratchB, transB, ldb) = (b.Data, NoTrans, n);
            }
            fixed (T* pa = a.Data, pb = b.Data, pc = c)
            {
                if (typeof(T) == typeof(float))
                    s_sgemm(RowMajor, transA, transB, m, n, k, 1f, (float*)(pa + a.Offset), lda, (float*)(pb + b.Offset), ldb,
                            accumulate ? 1f : 0f, (float*)(pc + cOff), n);
                else
                    s_dgemm(RowMajor, transA, transB, m, n, k, 1d, (double*)(pa + a.Offset), lda, (double*)(pb + b.Offset), ldb,
                            accumulate ? 1d : 0d, (double*)(pc + cOff), n);
            }
        }
        finally
        {
            if (scratchA is not null) ArrayPool<T>.Shared.Return(scratchA);
            if (scratchB is not null) ArrayPool<T>.Shared.Return(scratchB);
        }
    }

    /// <summary>
    /// How CBLAS can read a rows×cols view in place: row-major (NoTrans, leading dimension = row stride) when its columns
    /// are contiguous, column-major (Trans, leading dimension = column stride) when its rows are; false otherwise.
    /// </summary>
    private static bool Describe<T>(int rows, int cols, CpuKernels.Mat<T> x, out int trans, out int ld)
    {
        if ((x.ColStride == 1 || cols == 1) && (rows == 1 || x.RowStride >= cols))
        {
            (trans, ld) = (NoTrans, rows == 1 ? cols : x.RowStride);
            return true;
        }
        if ((x.RowStride == 1 || rows == 1) && (cols == 1 || x.ColStride >= rows))
        {
            (trans, ld) = (Trans, cols == 1 ? rows : x.ColStride);
            return true;
        }
        (trans, ld) = (NoTrans, 0);
        return false;
    }

    /// <summary>A row-major copy of a rows×cols view, in an array rented from the shared pool (returned by the caller).</summary>
    private static CpuKernels.Mat<T> Packed<T>(int rows, int cols, CpuKernels.Mat<T> x) where T : unmanaged
    {
        var dst = ArrayPool<T>.Shared.Rent(rows * cols);
        CpuKernels.CopyStrided(x.Data, x.Offset, [x.RowStride, x.ColStride], dst, 0, [cols, 1], [rows, cols]);
        return new CpuKernels.Mat<T>(dst, 0, cols, 1);
    }
}
