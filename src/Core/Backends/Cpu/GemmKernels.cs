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
/// (against 8 rows, 16 accumulators: 2–11% more GFLOP/s at n = 256…2048 on a Sapphire Rapids machine; against 14×32,
/// 8×48 and 6×64 on the AMD Zen 5 machine: none ahead across n, bench/README.md, "GEMM blocking");</item>
/// <item>Vector&lt;T&gt; (AVX2, SSE, NEON, or software): 6 rows × 2 vectors (6×16 floats on AVX2), 12 accumulators.</item>
/// </list>
/// The tile is stored to C (row stride <c>ldc</c>, columns contiguous), or added to it when <c>accumulate</c>. Its lines
/// are prefetched before the loop: C's rows lie a whole row stride apart, and without it the first load or store after
/// the loop waited on memory (at n = 1024, 13% of the kernel's profile samples fell outside its loop, most of them there).
/// </summary>
internal static unsafe class GemmKernels
{
    /// <summary>The micro-tile geometry: MR rows (broadcast from A) by NR columns (two vectors of B).</summary>
    public readonly record struct TileShape(int MR, int NR, Kernel Kind);

    /// <summary>The micro-kernels.</summary>
    public enum Kernel { Portable6x2, Avx512x12x2 }

    /// <summary>Whether the Vector512 kernel is used (where Vector512 is hardware-accelerated). Tests turn it off to run
    /// the portable kernel on AVX-512 machines too; it is read once per GEMM.</summary>
    internal static bool UseVector512 { get; set; } = Vector512.IsHardwareAccelerated;

    /// <summary>The tile shape used for element type <typeparamref name="T"/>.</summary>
    public static TileShape Tile<T>() where T : unmanaged =>
        UseVector512 ? new(12, 2 * Vector512<T>.Count, Kernel.Avx512x12x2) : new(6, 2 * Vector<T>.Count, Kernel.Portable6x2);

    /// <summary>C[0..MR, 0..NR) (+)= Σ_p a[p*MR + r] · b[p*NR + j] with the process's tile shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<T>(Kernel kind, int kc, T* a, T* b, T* c, nint ldc, bool accumulate) where T : unmanaged
    {
        if (kind == Kernel.Avx512x12x2) Kernel12x2v512(kc, a, b, c, ldc, accumulate);
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

    /// <summary>The 12×2 accumulators of <see cref="Kernel12x2v512{T}"/> (row r: cr0, cr1). The JIT promotes the fields
    /// of this local to registers (checked with <c>DOTNET_JitDisasm</c>: no stack traffic in the loop; call by call it
    /// runs level with the same kernel written out by hand).</summary>
    private struct Tile12<T> where T : unmanaged
    {
        public Vector512<T> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1;
    }

    /// <summary>The k-step <paramref name="s"/> steps past <paramref name="a"/> and <paramref name="b"/> (0 or 1, a constant
    /// once inlined): two vectors of B, twelve broadcasts of A, 24 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step12<T>(ref Tile12<T> t, T* a, T* b, int s) where T : unmanaged
    {
        a += 12 * s;
        b += 2 * s * Vector512<T>.Count;
        var b0 = Vector512.Load(b);
        var b1 = Vector512.Load(b + Vector512<T>.Count);
        var x0 = Vector512.Create(a[0]); t.c00 = Fma(x0, b0, t.c00); t.c01 = Fma(x0, b1, t.c01);
        var x1 = Vector512.Create(a[1]); t.c10 = Fma(x1, b0, t.c10); t.c11 = Fma(x1, b1, t.c11);
        var x2 = Vector512.Create(a[2]); t.c20 = Fma(x2, b0, t.c20); t.c21 = Fma(x2, b1, t.c21);
        var x3 = Vector512.Create(a[3]); t.c30 = Fma(x3, b0, t.c30); t.c31 = Fma(x3, b1, t.c31);
        var x4 = Vector512.Create(a[4]); t.c40 = Fma(x4, b0, t.c40); t.c41 = Fma(x4, b1, t.c41);
        var x5 = Vector512.Create(a[5]); t.c50 = Fma(x5, b0, t.c50); t.c51 = Fma(x5, b1, t.c51);
        var x6 = Vector512.Create(a[6]); t.c60 = Fma(x6, b0, t.c60); t.c61 = Fma(x6, b1, t.c61);
        var x7 = Vector512.Create(a[7]); t.c70 = Fma(x7, b0, t.c70); t.c71 = Fma(x7, b1, t.c71);
        var x8 = Vector512.Create(a[8]); t.c80 = Fma(x8, b0, t.c80); t.c81 = Fma(x8, b1, t.c81);
        var x9 = Vector512.Create(a[9]); t.c90 = Fma(x9, b0, t.c90); t.c91 = Fma(x9, b1, t.c91);
        var xa = Vector512.Create(a[10]); t.ca0 = Fma(xa, b0, t.ca0); t.ca1 = Fma(xa, b1, t.ca1);
        var xb = Vector512.Create(a[11]); t.cb0 = Fma(xb, b0, t.cb0); t.cb1 = Fma(xb, b1, t.cb1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x2v512<T>(int kc, T* a, T* b, T* c, nint ldc, bool accumulate) where T : unmanaged
    {
        int w = Vector512<T>.Count;
        Tile12<T> t = default;
        PrefetchTile(c, ldc, 12, 2 * w);
        // Two steps a trip, so the loop's own counter and pointer updates are half as many and take fewer issue slots
        // from the FMAs (1–6% at n = 512…2048 against one step a trip, interleaved call by call; four steps: no better).
        int p = 0;
        for (; p + 2 <= kc; p += 2, a += 24, b += 4 * w)
        {
            Step12(ref t, a, b, 0);
            Step12(ref t, a, b, 1);
        }
        if (p < kc) Step12(ref t, a, b, 0);
        Put(t.c00, c, accumulate); Put(t.c01, c + w, accumulate); c += ldc;
        Put(t.c10, c, accumulate); Put(t.c11, c + w, accumulate); c += ldc;
        Put(t.c20, c, accumulate); Put(t.c21, c + w, accumulate); c += ldc;
        Put(t.c30, c, accumulate); Put(t.c31, c + w, accumulate); c += ldc;
        Put(t.c40, c, accumulate); Put(t.c41, c + w, accumulate); c += ldc;
        Put(t.c50, c, accumulate); Put(t.c51, c + w, accumulate); c += ldc;
        Put(t.c60, c, accumulate); Put(t.c61, c + w, accumulate); c += ldc;
        Put(t.c70, c, accumulate); Put(t.c71, c + w, accumulate); c += ldc;
        Put(t.c80, c, accumulate); Put(t.c81, c + w, accumulate); c += ldc;
        Put(t.c90, c, accumulate); Put(t.c91, c + w, accumulate); c += ldc;
        Put(t.ca0, c, accumulate); Put(t.ca1, c + w, accumulate); c += ldc;
        Put(t.cb0, c, accumulate); Put(t.cb1, c + w, accumulate);
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
