using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Functional;

/// <summary>
/// The managed GEMM, C = A·B (or C += A·B), structured as in GotoBLAS/BLIS:
/// <code>
/// for jc in n by NC:                      B block KC×NC, packed into NR-wide panels (lives in L3)
///   for pc in k by KC:
///     pack B[pc.., jc..]
///     for ic in m by MC:                  A block MC×KC, packed into MR-tall panels (lives in L2)
///       pack A[ic.., pc..]
///       for jr in NC by NR:               one B micro-panel (stays in L1)
///         for ir in MC by MR:             micro-kernel: an MR×NR tile of C in registers
/// </code>
/// Packing (<see cref="GemmPacking"/>) absorbs any strides or transposes of A and B, so callers pass views as they are.
/// The block sizes KC, MC, NC come from the machine's cache sizes (<see cref="GemmBlocking"/>).
/// Edge tiles (m, n not multiples of MR, NR) run the kernel on zero-padded panels into a scratch tile whose valid
/// part is then written to C; a narrow C (n well under NR) is computed as Cᵀ = Bᵀ·Aᵀ and written back transposed.
/// Pack buffers are per thread and reused, so a steady-state GEMM does not allocate them.
/// Large products are split over the cores along N or M (whichever has more tiles); each part packs its own
/// operands, so the parts never wait for each other.
/// </summary>
internal static unsafe class PackedGemm
{
    /// <summary>Multiply-adds below which a second thread costs more than it saves (the bench's A/B sets it).</summary>
    internal static long ParallelWork { get; set; } = 1 << 20;

    /// <summary>C[m×n] (+)= A[m×k] · B[k×n]; C is row-major with row stride <paramref name="ldc"/>, A and B any strided views.</summary>
    public static void Run<T>(int m, int n, int k, CpuKernels.Mat<T> a, CpuKernels.Mat<T> b, T[] c, int cOff, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tile = GemmKernels.Tile<T>();
        var blocking = GemmBlocking.For(tile.MR, tile.NR, sizeof(T));
        bool transC = false;
        if (SwapNarrow && Utilisation(n, m, tile) > 1.5 * Utilisation(m, n, tile))
        {
            // A narrow C (n well under NR, as x·Wᵀ into 10 classes) leaves most of each tile's columns idle; Cᵀ = Bᵀ·Aᵀ puts
            // the narrow side along MR instead (64×10: 28% of each tile's work useful, swapped 83%), written back transposed.
            (m, n, a, b, transC) = (n, m, new(b.Data, b.Offset, b.ColStride, b.RowStride), new(a.Data, a.Offset, a.ColStride, a.RowStride), true);
        }
        int tilesM = (m + tile.MR - 1) / tile.MR, tilesN = (n + tile.NR - 1) / tile.NR;
        int parts = (long)m * n * k < ParallelWork ? 1 : Math.Min(ForkJoin.Threads, Math.Max(tilesM, tilesN));
        if (parts <= 1)
        {
            Block(0, m, 0, n, k, a, b, c, cOff, ldc, transC, accumulate, tile, blocking);
            return;
        }
        // Split on tile boundaries; the operand along the other dimension is packed whole by every part. Where one
        // dimension is at least twice the other and has 4 tiles a part, split it, so the smaller operand is the one packed
        // twice (x·Wᵀ at batch 256, 256×784 by 784×512: x, not W; the batch-256 training step 3% faster); otherwise split
        // the dimension with more tiles.
        bool splitN = n >= 2 * m && tilesN >= 4 * parts ? true
                    : m >= 2 * n && tilesM >= 4 * parts ? false
                    : tilesN >= tilesM;
        var split = new Split<T>(m, n, k, a, b, c, cOff, ldc, transC, accumulate, tile, blocking, splitN, splitN ? tilesN : tilesM, parts);
        ForkJoin.Run(parts, split, static (s, part) => s.Run(part));
    }

    /// <summary>Whether a narrow C is computed as Cᵀ = Bᵀ·Aᵀ (the bench's A/B turns it off).</summary>
    internal static bool SwapNarrow { get; set; } = true;

    /// <summary>The share of the tiles' multiply-adds that lands in an m×n C.</summary>
    private static double Utilisation(int m, int n, GemmKernels.TileShape tile) =>
        (double)m / ((m + tile.MR - 1) / tile.MR * tile.MR) * n / ((n + tile.NR - 1) / tile.NR * tile.NR);

    /// <summary>One GEMM cut into <paramref name="Parts"/> slabs of whole tiles along N (or M).</summary>
    private readonly record struct Split<T>(int M, int N, int K, CpuKernels.Mat<T> A, CpuKernels.Mat<T> B, T[] C, int COff, int Ldc,
                                            bool TransC, bool Accumulate, GemmKernels.TileShape Tile, GemmBlocking Blocking, bool SplitN, int Tiles, int Parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int part)
        {
            int step = SplitN ? Tile.NR : Tile.MR, end = SplitN ? N : M;
            int lo = (int)((long)Tiles * part / Parts) * step, hi = Math.Min((int)((long)Tiles * (part + 1) / Parts) * step, end);
            if (SplitN) Block(0, M, lo, hi, K, A, B, C, COff, Ldc, TransC, Accumulate, Tile, Blocking);
            else Block(lo, hi, 0, N, K, A, B, C, COff, Ldc, TransC, Accumulate, Tile, Blocking);
        }
    }

    /// <summary>Rows [i0, i1) by columns [j0, j1) of C, on the calling thread. C's element (i, j) is at
    /// c[cOff + i·ldc + j], or at c[cOff + i + j·ldc] when <paramref name="transC"/> (the swapped product of a narrow C).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T>(int i0, int i1, int j0, int j1, int k, CpuKernels.Mat<T> a, CpuKernels.Mat<T> b, T[] c, int cOff, int ldc,
                                 bool transC, bool accumulate, GemmKernels.TileShape tile, GemmBlocking blocking)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int MR = tile.MR, NR = tile.NR, KC = blocking.KC, MC = blocking.MC, NC = blocking.NC;
        nint ars = a.RowStride, acs = a.ColStride, brs = b.RowStride, bcs = b.ColStride;
        int ncMax = Math.Min(NC, (j1 - j0 + NR - 1) / NR * NR), kcMax = Math.Min(KC, k);
        T* packA = Workspace<T>.A(Math.Min(MC, (i1 - i0 + MR - 1) / MR * MR) * kcMax);
        T* packB = Workspace<T>.B(ncMax * kcMax);
        T* edge = stackalloc T[MR * NR];
        fixed (T* pa = a.Data, pb = b.Data, pc = c)
        {
            T* A = pa + a.Offset, B = pb + b.Offset, C = pc + cOff;
            for (int jc = j0; jc < j1; jc += NC)
            {
                int nc = Math.Min(NC, j1 - jc);
                for (int p0 = 0; p0 < k; p0 += KC)
                {
                    int kc = Math.Min(KC, k - p0);
                    bool add = accumulate || p0 > 0;
                    GemmPacking.Panels(B + p0 * brs + jc * bcs, bcs, brs, nc, kc, packB, NR);
                    for (int ic = i0; ic < i1; ic += MC)
                    {
                        int mc = Math.Min(MC, i1 - ic);
                        GemmPacking.Panels(A + ic * ars + p0 * acs, ars, acs, mc, kc, packA, MR);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                if (transC)
                                {
                                    GemmKernels.Run(tile.Kind, kc, packA + ir * kc, packB + jr * kc, edge, NR, false);
                                    StoreEdgeTransposed(edge, NR, mr, nr, C + ic + ir + (nint)(jc + jr) * ldc, ldc, add);
                                    continue;
                                }
                                T* cij = C + (nint)(ic + ir) * ldc + jc + jr;
                                if (mr == MR && nr == NR)
                                    GemmKernels.Run(tile.Kind, kc, packA + ir * kc, packB + jr * kc, cij, ldc, add);
                                else
                                {
                                    GemmKernels.Run(tile.Kind, kc, packA + ir * kc, packB + jr * kc, edge, NR, false);
                                    StoreEdge(edge, NR, mr, nr, cij, ldc, add);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Writes (or adds) the valid mr×nr corner of a scratch tile to C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdge<T>(T* tile, int NR, int mr, int nr, T* c, nint ldc, bool add) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < mr; r++)
        {
            var src = new ReadOnlySpan<T>(tile + r * NR, nr);
            var dst = new Span<T>(c + r * ldc, nr);
            if (add) TensorPrimitives.Add(dst, src, dst);
            else src.CopyTo(dst);
        }
    }

    /// <summary>Writes (or adds) the transpose of the valid mr×nr corner of a scratch tile to C: tile (r, j) to c[r + j·ldc].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreEdgeTransposed<T>(T* tile, int NR, int mr, int nr, T* c, nint ldc, bool add) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < nr; j++, c += ldc)
            for (int r = 0; r < mr; r++)
                c[r] = add ? c[r] + tile[r * NR + j] : tile[r * NR + j];
    }

    /// <summary>The calling thread's pack buffers: pinned (so they can be addressed by pointer), 64-byte aligned, grown on demand.</summary>
    private static class Workspace<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]? t_a;
        [ThreadStatic] private static T[]? t_b;

        public static T* A(int length) => Get(ref t_a, length);
        public static T* B(int length) => Get(ref t_b, length);

        private static T* Get(ref T[]? buffer, int length)
        {
            int pad = 64 / sizeof(T);
            if (buffer is null || buffer.Length < length + pad)
                buffer = GC.AllocateUninitializedArray<T>(length + pad, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (T*)((address + 63) & ~(nint)63);
        }
    }
}
