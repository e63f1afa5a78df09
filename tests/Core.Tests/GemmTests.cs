namespace Functional.Tests;

/// <summary>
/// The CPU matrix product behind MatMul and Linear: the managed packed GEMM (both of its micro-kernels) and, when it
/// loads, OpenBLAS. Every expected value comes from <see cref="Reference"/>, a naive triple loop that accumulates in
/// double over the operands' logical elements (read out with ToDoubleArray): an independent computation that shares
/// no packing, blocking or stride handling with the code under test. Agreement is to float tolerance, bounded per
/// element by 8·ε·Σ_p |a_ip·b_pj|, so a dropped or misplaced term (an error of the order of one product) fails.
/// </summary>
[Collection(ProcessWideSettings.Name)]
public class GemmTests
{
    public static TheoryData<int> OddSizes => new(1, 3, 7, 17, 33, 65, 127, 129, 257);

    // ---- the cases ----------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(OddSizes))]
    public void Square_products_match_the_reference(int n)
    {
        var gen = new Generator(n);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            AssertMatMul(Randn(gen, dtype, n, n), Randn(gen, dtype, n, n));
    }

    [Theory]
    [InlineData(64, 784, 512)]   // the MLP's first layer, forward
    [InlineData(256, 784, 512)]  // the same at batch 256: split along N although M has more tiles
    [InlineData(64, 512, 10)]    // last layer, forward
    [InlineData(64, 10, 512)]    // last layer, input gradient (k = 10)
    [InlineData(10, 64, 512)]    // last layer, weight gradient (m = 10)
    [InlineData(512, 64, 784)]   // first layer, weight gradient
    [InlineData(1, 1000, 1)]     // a dot product
    [InlineData(1000, 1, 3)]     // an outer product
    [InlineData(300, 257, 1)]    // matrix-vector
    [InlineData(1, 257, 300)]    // vector-matrix
    [InlineData(9, 8, 10)]       // below the packing threshold
    [InlineData(2, 3000, 2)]     // long k: many KC blocks accumulate into one tile
    [InlineData(2100, 600, 40)]  // many MC row blocks (split over the cores along M), three KC blocks, a short last row tile
    [InlineData(40, 520, 2100)]  // two column blocks of packed B (NC = 2048), a short last KC block
    [InlineData(100, 300, 5)]    // a narrow C, computed as Cᵀ = Bᵀ·Aᵀ and stored transposed
    [InlineData(2100, 40, 9)]    // the same split over the cores, with partial panels
    public void Mixed_shapes_match_the_reference(int m, int k, int n)
    {
        var gen = new Generator(m + 7 * k + 31 * n);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            AssertMatMul(Randn(gen, dtype, m, k), Randn(gen, dtype, k, n));
    }

    [Theory]
    [InlineData(33, 65, 17)]
    [InlineData(129, 257, 127)]
    [InlineData(64, 784, 512)]
    [InlineData(300, 70, 7)]     // narrow C: swapped
    [InlineData(64, 512, 10)]    // the MLP's last layer, swapped
    public void Transposed_operands_match_the_reference(int m, int k, int n)
    {
        var gen = new Generator(m * k * n);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            AssertMatMul(Randn(gen, dtype, k, m).T, Randn(gen, dtype, k, n));     // Aᵀ: rows contiguous down a column
            AssertMatMul(Randn(gen, dtype, m, k), Randn(gen, dtype, n, k).T);     // Bᵀ: x @ W.T, as in Linear
            AssertMatMul(Randn(gen, dtype, k, m).T, Randn(gen, dtype, n, k).T);
        }
    }

    [Theory]
    [InlineData(37, 45, 29)]
    [InlineData(70, 130, 90)]
    public void Strided_views_match_the_reference(int m, int k, int n)
    {
        var gen = new Generator(m + k + n);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = EveryOtherColumn(Randn(gen, dtype, m, 2 * k));   // column stride 2
            var b = EveryOtherColumn(Randn(gen, dtype, k, 2 * n));
            AssertMatMul(a, b);
            AssertMatMul(EveryOtherColumn(Randn(gen, dtype, k, 2 * m)).T, EveryOtherColumn(Randn(gen, dtype, n, 2 * k)).T);   // neither stride 1
            AssertMatMul(Randn(gen, dtype, 1, k).Expand(m, k), b);   // row stride 0 (a broadcast row)
            AssertMatMul(a, Randn(gen, dtype, k, 1).Expand(k, n));   // column stride 0
        }
    }

    [Fact]
    public void Permuted_batch_views_match_the_reference()
    {
        var gen = new Generator(5);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = Randn(gen, dtype, 40, 3, 33).Permute(1, 2, 0);   // [3, 33, 40]: row stride 1, column stride 99
            var b = Randn(gen, dtype, 3, 21, 40).Permute(0, 2, 1);   // [3, 40, 21]: row stride 1, column stride 40
            AssertMatMul(a, b);
            AssertMatMul(Randn(gen, dtype, 33, 3, 40).Permute(1, 0, 2), Randn(gen, dtype, 40, 3, 21).Permute(1, 0, 2));
        }
    }

    [Fact]
    public void Batched_broadcast_products_match_the_reference()
    {
        var gen = new Generator(6);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            AssertMatMul(Randn(gen, dtype, 2, 1, 5, 7), Randn(gen, dtype, 3, 7, 4));
            AssertMatMul(Randn(gen, dtype, 4, 65, 33), Randn(gen, dtype, 33, 70));      // a matrix against a batch
            AssertMatMul(Randn(gen, dtype, 70, 33), Randn(gen, dtype, 2, 2, 33, 40));
        }
    }

    [Fact]
    public void An_empty_inner_dimension_gives_zeros()
    {
        foreach (var provider in Providers())
            WithProvider(provider, () =>
            {
                var c = Tensor.Zeros(3, 0).MatMul(Tensor.Zeros(0, 4));
                Assert.Equal([3, 4], c.Shape.ToArray());
                Assert.All(c.ToArray(), v => Assert.Equal(0f, v));
            });
    }

    [Fact]
    public void Accumulating_adds_the_product_to_c()
    {
        var gen = new Generator(8);
        foreach (var provider in Providers())
            WithProvider(provider, () =>
            {
                foreach (var (m, k, n) in new[] { (3, 4, 5), (70, 300, 45), (70, 300, 9), (2, 0, 3) })
                {
                    var a = Randn(gen, DType.Float64, m, k).ToDoubleArray();
                    var b = Randn(gen, DType.Float64, k, n).ToDoubleArray();
                    var c = Randn(gen, DType.Float64, m, n).ToDoubleArray();
                    var (product, bound) = Reference(Tensor.From(a, [m, k]), Tensor.From(b, [k, n]));
                    var expected = c.Zip(product, (x, y) => x + y).ToArray();
                    CpuKernels.Gemm(m, n, k, new CpuKernels.Mat<double>(a, 0, k, 1), new CpuKernels.Mat<double>(b, 0, n, 1), c, 0, accumulate: true);
                    AssertClose(expected, bound.Select((e, i) => e + Math.Abs(c[i])).ToArray(), c, DType.Float64, $"{provider} C += A@B, {m}x{k}x{n}");
                }
            });
    }

    [Fact]
    public void The_portable_kernel_matches_the_reference()
    {
        if (!GemmKernels.UseVector512)
            return;   // the portable kernel is the one every other test here runs
        var gen = new Generator(9);
        GemmKernels.UseVector512 = false;
        try
        {
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            {
                AssertMatMul(Randn(gen, dtype, 129, 257), Randn(gen, dtype, 257, 65), managedOnly: true);
                AssertMatMul(Randn(gen, dtype, 64, 300), Randn(gen, dtype, 50, 300).T, managedOnly: true);
                AssertMatMul(Randn(gen, dtype, 300, 37).T, Randn(gen, dtype, 300, 13), managedOnly: true);
            }
        }
        finally { GemmKernels.UseVector512 = true; }
    }

    /// <summary>Blockings other than this machine's: tiny blocks (many KC, MC and NC blocks and edge tiles in every
    /// dimension), a lopsided one, and the derived blockings of two other machines' caches.</summary>
    public static TheoryData<int, int, int> Blockings => new()
    {
        { 8, 1, 1 },          // KC = 8, one tile of rows and of columns per block (rounded up to MR, NR)
        { 24, 40, 70 },       // KC a multiple of 8, MC and NC not multiples of the tile (rounded down)
        { 100, 1000, 4000 },  // KC not a multiple of 8 (an odd last k-step), large MC and NC
        { -1, 0, 0 },         // derived from a Sapphire Rapids core's caches (48 KiB, 2 MiB, 105 MiB / 56)
        { -2, 0, 0 },         // derived from a small desktop part's (32 KiB, 256 KiB, 8 MiB / 8)
    };

    [Theory]
    [MemberData(nameof(Blockings))]
    public void Products_match_the_reference_under_other_blockings(int kc, int mc, int nc)
    {
        var gen = new Generator(kc + 3 * mc + 7 * nc);
        var saved = GemmBlocking.Override;
        foreach (var (dtype, size) in new[] { (DType.Float32, 4), (DType.Float64, 8) })
        {
            var tile = dtype == DType.Float32 ? GemmKernels.Tile<float>() : GemmKernels.Tile<double>();
            GemmBlocking.Override = kc switch
            {
                -1 => GemmBlocking.Derive(48 << 10, 2 << 20, 105 << 20, 56, tile.MR, tile.NR, size),
                -2 => GemmBlocking.Derive(32 << 10, 256 << 10, 8 << 20, 8, tile.MR, tile.NR, size),
                _ => new GemmBlocking(kc, mc, nc),
            };
            try
            {
                foreach (var (m, k, n) in new[] { (37, 101, 83), (129, 300, 70), (13, 517, 45), (200, 33, 300), (150, 70, 6) })
                {
                    AssertMatMul(Randn(gen, dtype, m, k), Randn(gen, dtype, k, n), managedOnly: true);
                    AssertMatMul(Randn(gen, dtype, k, m).T, Randn(gen, dtype, n, k).T, managedOnly: true);
                }
                AssertMatMul(Randn(gen, dtype, 300, 520), Randn(gen, dtype, 520, 260), managedOnly: true);   // split over the cores
            }
            finally { GemmBlocking.Override = saved; }
        }
    }

    // ---- the provider switch ------------------------------------------------------------------------------------

    [Fact]
    public void OpenBlas_loads_when_FUNCTIONAL_OPENBLAS_points_at_it()
    {
        string? path = Environment.GetEnvironmentVariable("FUNCTIONAL_OPENBLAS");
        if (path is not null && File.Exists(path))
        {
            Assert.True(Blas.OpenBlasAvailable, $"FUNCTIONAL_OPENBLAS={path} exists but did not load");
            Assert.NotNull(Blas.OpenBlasLibrary);
        }
        else if (!Blas.OpenBlasAvailable)
        {
            Assert.Null(Blas.OpenBlasLibrary);
            var e = Assert.Throws<InvalidOperationException>(() => Blas.Provider = GemmProvider.OpenBlas);
            Assert.Contains("FUNCTIONAL_OPENBLAS", e.Message);
            Assert.Equal(GemmProvider.Managed, Blas.Provider);
        }
    }

    [Fact]
    public void The_default_provider_is_the_managed_GEMM_even_where_OpenBLAS_loads()
    {
        // bench/README.md ("GEMM provider"): OpenBLAS as installed was slower than the managed GEMM on both machines
        // measured, so loading it is no reason to use it; FUNCTIONAL_GEMM still chooses.
        Assert.Equal(GemmProvider.Managed, Blas.Choose(null));
        Assert.Equal(GemmProvider.Managed, Blas.Choose(""));
        Assert.Equal(GemmProvider.Managed, Blas.Choose(" Managed "));
        if (Blas.OpenBlasAvailable) Assert.Equal(GemmProvider.OpenBlas, Blas.Choose("openblas"));
        else Assert.Throws<InvalidOperationException>(() => Blas.Choose("openblas"));
        Assert.Throws<InvalidOperationException>(() => Blas.Choose("mkl"));
    }

    [Fact]
    public void The_managed_provider_can_always_be_chosen()
    {
        WithProvider(GemmProvider.Managed, () => Assert.Equal(GemmProvider.Managed, Blas.Provider));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// <summary>Managed always; OpenBLAS too when it loaded.</summary>
    private static GemmProvider[] Providers() =>
        Blas.OpenBlasAvailable ? [GemmProvider.Managed, GemmProvider.OpenBlas] : [GemmProvider.Managed];

    private static void WithProvider(GemmProvider provider, Action body)
    {
        var saved = Blas.Provider;
        Blas.Provider = provider;
        try { body(); }
        finally { Blas.Provider = saved; }
    }

    private static Tensor Randn(Generator gen, DType dtype, params int[] shape)
    {
        var t = Tensor.Randn(shape, gen);
        return dtype == DType.Float32 ? t : t.To(dtype);
    }

    /// <summary>Columns 0, 2, 4, ... of a matrix with an even number of columns: a view with column stride 2.</summary>
    private static Tensor EveryOtherColumn(Tensor x) => x.Reshape(x.Shape[0], x.Shape[1] / 2, 2).Select(2, 0);

    private static void AssertMatMul(Tensor a, Tensor b, bool managedOnly = false)
    {
        var (expected, bound) = Reference(a, b);
        foreach (var provider in managedOnly ? [GemmProvider.Managed] : Providers())
            WithProvider(provider, () =>
                AssertClose(expected, bound, a.MatMul(b).ToDoubleArray(), a.DType, $"{provider}: {View(a)} @ {View(b)}"));
    }

    private static string View(Tensor t) => $"{t.Describe()} strides [{string.Join(", ", t._strides)}]";

    /// <summary>
    /// a @ b (2-D or batched with broadcast batch dimensions) by the definition, in double, and per element
    /// Σ_p |a_ip·b_pj| (the scale of its rounding error).
    /// </summary>
    private static (double[] Product, double[] AbsSum) Reference(Tensor a, Tensor b)
    {
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        int[] batch = Batch(a.Shape.ToArray()[..^2], b.Shape.ToArray()[..^2]);
        int count = batch.Aggregate(1, (x, y) => x * y);
        var x = a.Expand([.. batch, m, k]).ToDoubleArray();   // each batch's operands, broadcast and laid out row-major
        var y = b.Expand([.. batch, k, n]).ToDoubleArray();
        var product = new double[count * m * n];
        var absSum = new double[count * m * n];
        for (int t = 0; t < count; t++)
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                {
                    double aip = x[(t * m + i) * k + p];
                    for (int j = 0; j < n; j++)
                    {
                        double bpj = y[(t * k + p) * n + j];
                        product[(t * m + i) * n + j] += aip * bpj;
                        absSum[(t * m + i) * n + j] += Math.Abs(aip * bpj);
                    }
                }
        return (product, absSum);
    }

    private static int[] Batch(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Length) >= 0 ? a[i - (r - a.Length)] : 1, db = i - (r - b.Length) >= 0 ? b[i - (r - b.Length)] : 1;
            s[i] = Math.Max(da, db);
        }
        return s;
    }

    private static void AssertClose(double[] expected, double[] absSum, double[] actual, DType dtype, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double eps = dtype == DType.Float32 ? MathF.BitIncrement(1f) - 1f : Math.BitIncrement(1.0) - 1.0;   // machine epsilon
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 8 * eps * absSum[i] + 1e-300;
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what}: element {i}: expected {expected[i]:R} (reference), got {actual[i]:R}, tolerance {tolerance:G3}");
        }
    }
}
