using System.Diagnostics;
using System.Globalization;

namespace Functional.Bench;

/// <summary>
/// <c>--gemm-shape M N K [ta] [tb] SAMPLES</c>: one Float32 product C[M,N] = A[M,K] @ B[K,N], timed SAMPLES times after
/// a warm-up. <c>ta</c> passes A as the transposed view of a [K,M] tensor (row stride 1, as in the weight gradient
/// Xᵀ·G), <c>tb</c> passes B as the transposed view of an [N,K] tensor (column stride K, as in Linear's x·Wᵀ). Prints
/// <c>gemm-shape &lt;M&gt; &lt;N&gt; &lt;K&gt; &lt;ta|-&gt; &lt;tb|-&gt; &lt;median GFLOP/s&gt; &lt;best GFLOP/s&gt;
/// &lt;median µs&gt; &lt;mean GFLOP/s&gt;</c>: the seed MLP's small products (784-512-512-10 at batch 64 and 256) and
/// their backward's transposed ones, which the n×n <c>--gemm</c> does not show.
/// </summary>
public static class GemmShapeSamples
{
    /// <summary>Parses <c>M N K [ta] [tb]</c> at <paramref name="at"/> and makes the two operands (A or B a transposed
    /// view where asked); <c>Next</c> is the index of the argument after them.</summary>
    private static (int M, int N, int K, bool Ta, bool Tb, Tensor A, Tensor B, int Next) Operands(string[] args, int at)
    {
        int Int(int i) => int.Parse(args[i], CultureInfo.InvariantCulture);
        int m = Int(at), n = Int(at + 1), k = Int(at + 2), i = at + 3;
        bool ta = false, tb = false;
        for (; i < args.Length && args[i] is "ta" or "tb"; i++)
            if (args[i] == "ta") ta = true; else tb = true;
        var gen = new Generator(1);
        var a = ta ? Tensor.Randn([k, m], gen).T : Tensor.Randn([m, k], gen);
        var b = tb ? Tensor.Randn([n, k], gen).T : Tensor.Randn([k, n], gen);
        return (m, n, k, ta, tb, a, b, i);
    }

    public static int Run(string[] args, int at, TextWriter output)
    {
        var (m, n, k, ta, tb, a, b, i) = Operands(args, at);
        int samples = int.Parse(args[i], CultureInfo.InvariantCulture);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(args), "--gemm-shape needs at least one sample.");
        double flops = 2.0 * m * n * k;
        int warm = (int)Math.Clamp(2e9 / flops, 5, 2000);   // about a second's worth at 100 GFLOP/s, so the JIT and workers settle
        for (int w = 0; w < warm; w++) a.MatMul(b);
        var times = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            a.MatMul(b);
            times[s] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        double mean = flops * samples / times.Sum() / 1e9;
        Array.Sort(times);
        double median = times[samples / 2];
        output.WriteLine(FormattableString.Invariant(
            $"gemm-shape {m} {n} {k} {(ta ? "ta" : "-")} {(tb ? "tb" : "-")} {flops / median / 1e9:F1} {flops / times[0] / 1e9:F1} {median * 1e6:F1} {mean:F1}"));
        return 0;
    }

    /// <summary>
    /// <c>--gemm-ab M N K [ta] [tb] PAIRS CONFIG_A CONFIG_B</c>: the same product under two GEMM configurations in one
    /// process, alternating call by call (A B, B A, ...), so machine drift hits both alike. A configuration is
    /// <c>TILE:BLOCKING[:PARALLEL]</c>, TILE 12x2 (AVX-512 rows × vectors; commit 28ea8bc also had 14x2, 8x3, 6x4), BLOCKING <c>auto</c>
    /// (derived from the caches) or <c>KC,MC,NC</c>, PARALLEL the multiply-adds from which a product is split over the
    /// cores (or auto), then optionally <c>:noswap</c> (no Cᵀ = Bᵀ·Aᵀ for a narrow C). Prints <c>gemm-ab M N K CONFIG_A CONFIG_B &lt;A median&gt; &lt;B median&gt;
    /// &lt;A best&gt; &lt;B best&gt; &lt;median of the paired ratios B/A&gt;</c> (GFLOP/s).
    /// </summary>
    public static int RunAb(string[] args, int at, TextWriter output)
    {
        var (m, n, k, ta, tb, a, b, i) = Operands(args, at);
        int pairs = int.Parse(args[i], CultureInfo.InvariantCulture);
        string[] configs = [args[i + 1], args[i + 2]];
        double flops = 2.0 * m * n * k;
        int warm = (int)Math.Clamp(1e9 / flops, 3, 1000);
        var times = new double[2][];
        times[0] = new double[pairs]; times[1] = new double[pairs];
        try
        {
            for (int c = 0; c < 2; c++) { Apply(configs[c]); for (int w = 0; w < warm; w++) a.MatMul(b); }
            for (int s = 0; s < pairs; s++)
                for (int j = 0; j < 2; j++)
                {
                    int c = (s & 1) == 0 ? j : 1 - j;
                    Apply(configs[c]);
                    long start = Stopwatch.GetTimestamp();
                    a.MatMul(b);
                    times[c][s] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
        }
        finally { GemmBlocking.Override = null; PackedGemm.ParallelWork = s_parallelWork; PackedGemm.SwapNarrow = true; }
        var ratios = times[0].Zip(times[1], (x, y) => x / y).Order().ToArray();
        double Median(double[] t) => t.Order().ElementAt(t.Length / 2);
        output.WriteLine(FormattableString.Invariant(
            $"gemm-ab {m} {n} {k} {(ta ? "ta" : "-")} {(tb ? "tb" : "-")} {configs[0]} {configs[1]} {flops / Median(times[0]) / 1e9:F1} {flops / Median(times[1]) / 1e9:F1} {flops / times[0].Min() / 1e9:F1} {flops / times[1].Min() / 1e9:F1} {ratios[pairs / 2]:F3}"));
        return 0;
    }

    private static readonly long s_parallelWork = PackedGemm.ParallelWork;

    private static void Apply(string config)
    {
        var parts = config.Split(':');
        if (parts[0] != "12x2") throw new ArgumentException($"unknown tile {parts[0]} (the 14x2, 8x3 and 6x4 kernels were measured at commit 28ea8bc)");
        GemmBlocking.Override = parts.Length < 2 || parts[1] == "auto" ? null
            : GemmBlocking.Parse(parts[1]) ?? throw new ArgumentException($"bad blocking {parts[1]}");
        PackedGemm.ParallelWork = parts.Length < 3 || parts[2] == "auto" ? s_parallelWork : long.Parse(parts[2], CultureInfo.InvariantCulture);
        PackedGemm.SwapNarrow = parts.Length < 4 || parts[3] != "noswap";
    }
}
