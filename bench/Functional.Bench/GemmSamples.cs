using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// <c>--gemm N SAMPLES</c>: <c>a.MatMul(b)</c> for two n×n Float32 matrices (the SGEMM benchmark's workload), timed
/// SAMPLES times after a warm-up with the current provider; prints <c>gemm &lt;n&gt; &lt;median GFLOP/s&gt; &lt;best GFLOP/s&gt;
/// &lt;minor page faults per call&gt; &lt;GCs per call&gt; &lt;mean GFLOP/s&gt;</c> (the mean over all calls, slow ones included,
/// which is what BenchmarkDotNet's per-iteration times see). The page faults (from /proc/self/stat, Linux only; -1 elsewhere)
/// show whether each call's fresh result is memory the process has to fault in again.
/// </summary>
public static class GemmSamples
{
    public static int Run(int n, int samples, TextWriter output)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), "--gemm needs at least one sample.");
        var gen = new Generator(1);
        var a = Tensor.Randn([n, n], gen);
        var b = Tensor.Randn([n, n], gen);
        for (int i = 0; i < 5; i++) a.MatMul(b);
        var times = new double[samples];
        long faults = MinorFaults(), gcs = GC.CollectionCount(0);
        for (int i = 0; i < samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            a.MatMul(b);
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        faults = faults < 0 ? -1 : MinorFaults() - faults;
        gcs = GC.CollectionCount(0) - gcs;
        double flops = 2.0 * n * n * n, mean = flops * samples / times.Sum() / 1e9;
        Array.Sort(times);
        output.WriteLine(FormattableString.Invariant(
            $"gemm {n} {flops / times[samples / 2] / 1e9:F1} {flops / times[0] / 1e9:F1} {(faults < 0 ? -1 : (double)faults / samples):F1} {(double)gcs / samples:F2} {mean:F1}"));
        return 0;
    }

    /// <summary>The process's minor page faults so far (field 10 of /proc/self/stat), or -1 where that file is missing.</summary>
    internal static long MinorFaults()
    {
        if (!File.Exists("/proc/self/stat")) return -1;
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // after "pid (comm) "; field 3 is fields[0]
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }
}
