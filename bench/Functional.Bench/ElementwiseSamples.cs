using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// <c>--elementwise N SAMPLES</c>: <see cref="ElementwiseBenchmarks.Chain"/> on a Float32 tensor of n floats, timed
/// SAMPLES times with a Stopwatch after a warm-up of at least 0.5 s; prints <c>elementwise &lt;n&gt; &lt;median GB/s&gt; &lt;best GB/s&gt;
/// &lt;gen0&gt; &lt;gen1&gt; &lt;gen2&gt; &lt;minor page faults per call&gt;</c>, the collections counted per 1,000 calls and
/// GB/s = 3 × (read n×4 + write n×4) bytes / time, as in the benchmark.
/// </summary>
public static class ElementwiseSamples
{
    public static int Run(int n, int samples, TextWriter output)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), "--elementwise needs n >= 1.");
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), "--elementwise needs at least one sample.");
        var t = Tensor.Randn([n], new Generator(2));
        // Warm up for at least half a second (at least 5 calls), so tiered compilation has reached its final code.
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < 5 || Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.5; i++) ElementwiseBenchmarks.Chain(t);
        var times = new double[samples];
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long faults = GemmSamples.MinorFaults();
        for (int i = 0; i < samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            ElementwiseBenchmarks.Chain(t);
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        double faultsPerCall = faults < 0 ? -1 : (double)(GemmSamples.MinorFaults() - faults) / samples;
        double per1000 = 1000.0 / samples;
        double c0 = (GC.CollectionCount(0) - g0) * per1000, c1 = (GC.CollectionCount(1) - g1) * per1000, c2 = (GC.CollectionCount(2) - g2) * per1000;
        double bytes = ElementwiseBenchmarks.BytesPerCall(n);
        Array.Sort(times);
        output.WriteLine(FormattableString.Invariant(
            $"elementwise {n} {bytes / times[samples / 2] / 1e9:F2} {bytes / times[0] / 1e9:F2} {c0:F1} {c1:F1} {c2:F1} {faultsPerCall:F1}"));
        return 0;
    }
}
