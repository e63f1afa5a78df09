using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Functional;

/// <summary>
/// The register-blocked micro-kernels of the packed GEMM (<see cref="PackedGemm"/>): each computes one MR×NR tile of C
/// from an A micro-panel (kc steps of MR values, <c>a[p*MR + r]</c>) and a B micro-panel (kc steps of NR values,
/// <c>b[p*NR + j]</c>), holding the whole tile in vector registers: per step one broadcast of A[r] per row and two vector
/// loads of B, then 2·MR fused multiply-adds. Two shapes (<see cref="Tile"/>):
/// <list type="bullet">
/// <item>Vector512 (AVX-512): 12 rows × 2 vectors (12×32 floats or 12×16 doubles), 24 accumulators of 32 registers
/// (against 8 rows, 16 accumulators: 2–11% more GFLOP/s at n = 256…2048 on a Sapphire Rapids machine, bench/README.md);</item>
/// <item>Vector&lt;T&gt; (AVX2, SSE, NEON, or software): 6 rows × 2 vectors (6×16 floats on AVX2), 12 accumulators.</item>
/// </list>
/// The tile is stored to C (row stride <c>ldc</c>, columns contiguous), or added to it when <c>accumulate</c>. Its lines
/// are prefetched before the loop: C's rows lie a whole row stride apart, and without it the first load or store after
/// the loop waited on memory (at n = 1024, 13% of the kernel's profile samples fell outside its loop, most of them there).
/// </summary>
internal static unsafe class GemmKernels
{
    /// <summary>The micro-tile geometry: MR rows (broadcast from A) by NR columns (two vectors of B).</summary>
    public readonly record struct TileShape(int MR, int NR, bool Wide);

    /// <summary>Whether the Vector512 kernel is used (where Vector512 is hardware-accelerated). Tests turn it off to run
    /// the portable kernel on AVX-512 machines too; it is read once per GEMM.</summary>
    internal static bool UseVector512 { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>The tile shape used for element type <typeparamref name="T"/>.</summary>
    public static TileShape Tile<T>() where T : unmanaged =>
        UseVector512 ? new(12, 2 * Vector512<T>.Count, true) : new(6, 2 * Vector<T>.Count, false);

    /// <summary>C[0..MR, 0..NR) (+)= Σ_p a[p*MR + r] · b[p*NR + j] with the process's tile shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<T>(bool wide, int kc, T* a, T* b, T* c, nint ldc, bool accumulate) where T : unmanaged
    {
        if (wide) Kernel12x2v512(kc, a, b, c, ldc, accumulate);
        else Kernel6x2v(kc, a, b, c, ldc, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>()
            : Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> acc) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Vector.MultiplyAddEstimate(x.As<T, float>(), y.As<T, float>(), acc.As<T, float>()).As<float, T>()
            : Vector.MultiplyAddEstimate(x.As<T, double>(), y.As<T, double>(), acc.As<T, double>()).As<double, T>();

    /// <summary>Asks for the C tile's lines ahead of the loop, so the stores (or loads) after it do not wait on memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile<T>(T* c, nint ldc, int rows, int cols) where T : unmanaged
    {
        if (!Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            for (int j = 0; j < cols; j += 64 / sizeof(T)) Sse.Prefetch0(c + j);
            Sse.Prefetch0(c + cols - 1);   // a row not 64-byte aligned ends in one more line
        }
    }

    /// <summary>Stores (or adds) one accumulator to C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(Vector512<T> v, T* c, bool accumulate) where T : unmanaged =>
        (accumulate ? v + Vector512.Load(c) : v).Store(c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(Vector<T> v, T* c, bool accumulate) where T : unmanaged =>
        (accumulate ? v + Vector.Load(c) : v).Store(c);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x2v512<T>(int kc, T* a, T* b, T* c, nint ldc, bool accumulate) where T : unmanaged
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<T> c80 = default, c81 = default, c90 = default, c91 = default, ca0 = default, ca1 = default, cb0 = default, cb1 = default;
        PrefetchTile(c, ldc, 12, 2 * w);
        // Two steps a trip, so the loop's own counter and pointer updates are half as many and take fewer issue slots
        // from the FMAs (1–6% at n = 512…2048 against one step a trip, interleaved call by call; four steps: no better).
        int p = 0;
        for (; p + 2 <= kc; p += 2, a += 24, b += 4 * w)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var x = Vector512.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Fma(x, b0, c80); c81 = Fma(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Fma(x, b0, c90); c91 = Fma(x, b1, c91);
            x = Vector512.Create(a[10]); ca0 = Fma(x, b0, ca0); ca1 = Fma(x, b1, ca1);
            x = Vector512.Create(a[11]); cb0 = Fma(x, b0, cb0); cb1 = Fma(x, b1, cb1);
            b0 = Vector512.Load(b + 2 * w);
            b1 = Vector512.Load(b + 3 * w);
            x = Vector512.Create(a[12]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(a[13]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(a[14]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(a[15]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(a[16]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(a[17]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(a[18]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(a[19]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            x = Vector512.Create(a[20]); c80 = Fma(x, b0, c80); c81 = Fma(x, b1, c81);
            x = Vector512.Create(a[21]); c90 = Fma(x, b0, c90); c91 = Fma(x, b1, c91);
            x = Vector512.Create(a[22]); ca0 = Fma(x, b0, ca0); ca1 = Fma(x, b1, ca1);
            x = Vector512.Create(a[23]); cb0 = Fma(x, b0, cb0); cb1 = Fma(x, b1, cb1);
        }
        for (; p < kc; p++, a += 12, b += 2 * w)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var x = Vector512.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Fma(x, b0, c80); c81 = Fma(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Fma(x, b0, c90); c91 = Fma(x, b1, c91);
            x = Vector512.Create(a[10]); ca0 = Fma(x, b0, ca0); ca1 = Fma(x, b1, ca1);
            x = Vector512.Create(a[11]); cb0 = Fma(x, b0, cb0); cb1 = Fma(x, b1, cb1);
        }
        Put(c00, c, accumulate); Put(c01, c + w, accumulate); c += ldc;
        Put(c10, c, accumulate); Put(c11, c + w, accumulate); c += ldc;
        Put(c20, c, accumulate); Put(c21, c + w, accumulate); c += ldc;
        Put(c30, c, accumulate); Put(c31, c + w, accumulate); c += ldc;
        Put(c40, c, accumulate); Put(c41, c + w, accumulate); c += ldc;
        Put(c50, c, accumulate); Put(c51, c + w, accumulate); c += ldc;
        Put(c60, c, accumulate); Put(c61, c + w, accumulate); c += ldc;
        Put(c70, c, accumulate); Put(c71, c + w, accumulate); c += ldc;
        Put(c80, c, accumulate); Put(c81, c + w, accumulate); c += ldc;
        Put(c90, c, accumulate); Put(c91, c + w, accumulate); c += ldc;
        Put(ca0, c, accumulate); Put(ca1, c + w, accumulate); c += ldc;
        Put(cb0, c, accumulate); Put(cb1, c + w, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x2v<T>(int kc, T* a, T* b, T* c, nint ldc, bool accumulate) where T : unmanaged
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        PrefetchTile(c, ldc, 6, 2 * w);
        for (int p = 0; p < kc; p++, a += 6, b += 2 * w)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + w);
            var x = new Vector<T>(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = new Vector<T>(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = new Vector<T>(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = new Vector<T>(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = new Vector<T>(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = new Vector<T>(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
        }
        Put(c00, c, accumulate); Put(c01, c + w, accumulate); c += ldc;
        Put(c10, c, accumulate); Put(c11, c + w, accumulate); c += ldc;
        Put(c20, c, accumulate); Put(c21, c + w, accumulate); c += ldc;
        Put(c30, c, accumulate); Put(c31, c + w, accumulate); c += ldc;
        Put(c40, c, accumulate); Put(c41, c + w, accumulate); c += ldc;
        Put(c50, c, accumulate); Put(c51, c + w, accumulate);
    }
}
