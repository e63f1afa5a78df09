using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Functional;

/// <summary>
/// Packing for the packed GEMM (<see cref="PackedGemm"/>): copies a block of a strided operand into the micro-panel
/// layout the kernels read, <c>dst[p*R + r] = src[r*rs + p*cs]</c> (kc steps of R values), zero-padding rows past the
/// operand's edge. Packing is where strides and transposes are absorbed, so the kernels see one layout whatever view
/// they were given. A with its rows contiguous (the usual row-major A) and B with its columns contiguous (B = Wᵀ, a
/// transposed weight) need a transpose: 8×8 and 4×8 (float) or 4×4 (double) register transposes with AVX; operands
/// contiguous along the panel (row-major B, Aᵀ) are vector copies, a whole block of panels per pass over the source;
/// anything else (and a last, partial panel of a transpose) is gathered element by element.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs <paramref name="rows"/> rows by <paramref name="kc"/> steps as consecutive panels of <paramref name="R"/> rows
    /// (panel q at dst + q·R·kc, as <see cref="Panel{T}"/> writes it; the last one zero-padded). Where the rows are contiguous
    /// in the source (rs = 1: row-major B, Aᵀ) each step's values for all panels are one contiguous run, so it is read
    /// once, front to back, instead of panel by panel: a panel-at-a-time walk strides the source by a whole row per step,
    /// a different page each time, and its lines, all in one cache set, evict each other before the next panel reuses them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot from the first call: skip tier-0
    public static void Panels<T>(T* src, nint rs, nint cs, int rows, int kc, T* dst, int R) where T : unmanaged
    {
        if (rs != 1)
        {
            for (int q = 0; q < rows; q += R) Panel(src + q * rs, rs, cs, Math.Min(R, rows - q), kc, dst + q * kc, R);
            return;
        }
        int full = rows / R * R, tail = rows - full;
        nint panelStride = (nint)R * kc;
        for (int p = 0; p < kc; p++, src += cs)
        {
            T* d = dst + p * R;
            for (int q = 0; q < full; q += R, d += panelStride) CopyRun(src + q, d, R);
            if (tail > 0)
            {
                CopyRun(src + full, d, tail);
                new Span<T>(d + tail, R - tail).Clear();
            }
        }
    }

    /// <summary>dst[0..count) = src[0..count), with the widest vectors the machine has.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun<T>(T* src, T* dst, int count) where T : unmanaged
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + Vector512<T>.Count <= count; i += Vector512<T>.Count) Vector512.Store(Vector512.Load(src + i), dst + i);
        for (; i + Vector<T>.Count <= count; i += Vector<T>.Count) Vector.Store(Vector.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>Packs <paramref name="rows"/> ≤ <paramref name="R"/> rows by <paramref name="kc"/> steps: dst[p*R + r] = src[r*rs + p*cs], zero for r ≥ rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot from the first call: skip tier-0
    private static void Panel<T>(T* src, nint rs, nint cs, int rows, int kc, T* dst, int R) where T : unmanaged
    {
        if (rows == R && cs == 1 && Avx.IsSupported)
        {
            if (typeof(T) == typeof(float) && R % 4 == 0) { Transpose8x8Blocks((float*)src, rs, kc, (float*)dst, R); return; }
            if (typeof(T) == typeof(double) && R % 4 == 0) { Transpose4x4Blocks((double*)src, rs, kc, (double*)dst, R); return; }
        }
        for (int p = 0; p < kc; p++)
        {
            T* s = src + p * cs, d = dst + p * R;
            int r = 0;
            for (; r < rows; r++) d[r] = s[r * rs];
            for (; r < R; r++) d[r] = default;
        }
    }

    /// <summary>Steps contiguous in the source (cs = 1), float: 8×8 blocks transposed in registers (and 4×8 blocks for the
    /// last four rows when R = 8q + 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot from the first call: skip tier-0
    private static void Transpose8x8Blocks(float* src, nint rs, int kc, float* dst, int R)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            int r = 0;
            for (; r + 8 <= R; r += 8) Transpose8x8(src + r * rs + p, rs, dst + p * R + r, R);
            if (r < R) Transpose4x8(src + r * rs + p, rs, dst + p * R + r, R);   // R = 8q + 4 (a 12-row tile)
        }
        for (; p < kc; p++)
            for (int r = 0; r < R; r++) dst[p * R + r] = src[r * rs + p];
    }

    /// <summary>d[j*ds + i] = s[i*ss + j] for i, j &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, nint ss, float* d, nint ds)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ss);
        var r2 = Avx.LoadVector256(s + 2 * ss); var r3 = Avx.LoadVector256(s + 3 * ss);
        var r4 = Avx.LoadVector256(s + 4 * ss); var r5 = Avx.LoadVector256(s + 5 * ss);
        var r6 = Avx.LoadVector256(s + 6 * ss); var r7 = Avx.LoadVector256(s + 7 * ss);
        // Interleave pairs of rows, then pairs of pairs: each 128-bit lane then holds a 4×4 block's column.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Join the low lanes (columns 0-3) and the high lanes (columns 4-7) of rows 0-3 and 4-7.
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20)); Avx.Store(d + ds, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2 * ds, Avx.Permute2x128(u2, u6, 0x20)); Avx.Store(d + 3 * ds, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4 * ds, Avx.Permute2x128(u0, u4, 0x31)); Avx.Store(d + 5 * ds, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6 * ds, Avx.Permute2x128(u2, u6, 0x31)); Avx.Store(d + 7 * ds, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>d[j*ds + i] = s[i*ss + j] for i &lt; 4, j &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x8(float* s, nint ss, float* d, nint ds)
    {
        var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + ss);
        var r2 = Avx.LoadVector256(s + 2 * ss); var r3 = Avx.LoadVector256(s + 3 * ss);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        // Each 128-bit lane of u holds one column: u0 = columns 0 | 4, u1 = 1 | 5, u2 = 2 | 6, u3 = 3 | 7.
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        Sse.Store(d, u0.GetLower()); Sse.Store(d + ds, u1.GetLower()); Sse.Store(d + 2 * ds, u2.GetLower()); Sse.Store(d + 3 * ds, u3.GetLower());
        Sse.Store(d + 4 * ds, u0.GetUpper()); Sse.Store(d + 5 * ds, u1.GetUpper()); Sse.Store(d + 6 * ds, u2.GetUpper()); Sse.Store(d + 7 * ds, u3.GetUpper());
    }

    /// <summary>Steps contiguous in the source (cs = 1), double: 4×4 blocks transposed in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot from the first call: skip tier-0
    private static void Transpose4x4Blocks(double* src, nint rs, int kc, double* dst, int R)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4)
            for (int r = 0; r < R; r += 4)
            {
                double* s = src + r * rs + p, d = dst + p * R + r;
                var r0 = Avx.LoadVector256(s); var r1 = Avx.LoadVector256(s + rs);
                var r2 = Avx.LoadVector256(s + 2 * rs); var r3 = Avx.LoadVector256(s + 3 * rs);
                var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
                Avx.Store(d, Avx.Permute2x128(t0, t2, 0x20)); Avx.Store(d + R, Avx.Permute2x128(t1, t3, 0x20));
                Avx.Store(d + 2 * R, Avx.Permute2x128(t0, t2, 0x31)); Avx.Store(d + 3 * R, Avx.Permute2x128(t1, t3, 0x31));
            }
        for (; p < kc; p++)
            for (int r = 0; r < R; r++) dst[p * R + r] = src[r * rs + p];
    }
}
