using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// <c>--tiny N</c>: the tiny-op chain of <see cref="TinyOpChainBenchmarks"/> timed N times with a plain Stopwatch after
/// 200 warm-up chains, printing <c>tiny &lt;median ns/op&gt; &lt;min ns/op&gt; &lt;bytes allocated per op&gt;</c>. One short process
/// per sample, so <c>bench/ab_tinyop.sh</c> can interleave two builds and compare them under the same machine noise
/// (BenchmarkDotNet's runs are too long to interleave often).
/// </summary>
public static class TinyOpSamples
{
    public static int Run(int samples, TextWriter output)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), "--tiny needs at least one sample.");
        var chain = new TinyOpChainBenchmarks();
        chain.Setup();
        double Once()
        {
            long start = Stopwatch.GetTimestamp();
            chain.TinyOpChain();
            return Stopwatch.GetElapsedTime(start).TotalNanoseconds / TinyOpChainBenchmarks.OpsPerChain;
        }
        for (int i = 0; i < 200; i++) Once();
        var times = new double[samples];
        for (int i = 0; i < samples; i++) times[i] = Once();
        long before = GC.GetAllocatedBytesForCurrentThread();
        chain.TinyOpChain();
        long perOp = (GC.GetAllocatedBytesForCurrentThread() - before) / TinyOpChainBenchmarks.OpsPerChain;
        Array.Sort(times);
        output.WriteLine(FormattableString.Invariant($"tiny {times[samples / 2]:F1} {times[0]:F1} {perOp}"));
        return 0;
    }
}
