using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// Quick checks of the training step outside BenchmarkDotNet:
/// <list type="bullet">
/// <item><c>--step BATCH N</c>: <see cref="TrainStepBenchmarks"/> (reset every 100 steps) timed N times after 50 warm-up
/// steps; prints <c>step &lt;batch&gt; &lt;median ms&gt; &lt;min ms&gt; &lt;gen0&gt; &lt;gen1&gt; &lt;gen2&gt; &lt;minor page faults per step&gt;
/// &lt;MiB allocated per step&gt; &lt;live MiB at start&gt; &lt;live MiB at end&gt;</c>, the collections counted per 1,000 timed
/// steps (issue 19's measure: a plain app must not pay a gen-2 collection every few steps). The live heap is
/// <see cref="GC.GetTotalMemory(bool)"/> after a full blocking collection (<see cref="LiveBytes"/>), taken just before the
/// first and just after the last timed step, outside the timing and outside the collection counts; equal start and end
/// figures mean the steady state does not grow. This project sets no GC option, so the figures are a plain app's.</item>
/// <item><c>--long-run BATCH N</c>: N steps of one run on the fixed batch, never reset, printing the median step time and
/// the number of subnormal Adam moments every 250 steps. The batch is learnt within a few hundred steps, the moments of
/// dead units decay into the subnormal range after about 650 and stay there; bench/torch_long_run.py does the same in
/// PyTorch (bench/README.md, "Subnormal moments").</item>
/// </list>
/// </summary>
public static class StepSamples
{
    public static int Run(int batch, int samples, TextWriter output)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), "--step needs at least one sample.");
        var step = new TrainStepBenchmarks { Batch = batch };
        step.Setup();
        for (int i = 0; i < 50; i++) step.TrainStep();
        var times = new double[samples];
        long liveStart = LiveBytes();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long faults = GemmSamples.MinorFaults(), bytes = GC.GetTotalAllocatedBytes(precise: false);
        for (int i = 0; i < samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step.TrainStep();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        double per1000 = 1000.0 / samples;
        double faultsPerStep = faults < 0 ? -1 : (double)(GemmSamples.MinorFaults() - faults) / samples;
        double mibPerStep = (GC.GetTotalAllocatedBytes(precise: false) - bytes) / (1024.0 * 1024) / samples;
        double c0 = (GC.CollectionCount(0) - g0) * per1000, c1 = (GC.CollectionCount(1) - g1) * per1000, c2 = (GC.CollectionCount(2) - g2) * per1000;
        long liveEnd = LiveBytes();   // after the counts: its forced collection is not one of the steps'
        Array.Sort(times);
        const double MiB = 1024.0 * 1024;
        output.WriteLine(FormattableString.Invariant(
            $"step {batch} {times[samples / 2]:F3} {times[0]:F3} {c0:F1} {c1:F1} {c2:F1} {faultsPerStep:F1} {mibPerStep:F2} {liveStart / MiB:F2} {liveEnd / MiB:F2}"));
        return 0;
    }

    /// <summary>The live managed heap: bytes still reachable after a full blocking collection, finalizers run and a
    /// second collection (<see cref="GC.GetTotalMemory(bool)"/> with forceFullCollection, which collects until the figure
    /// settles), less the arrays the host pool keeps free for reuse (Note [Host Pool]): those are a cache of the step's
    /// own sizes, bounded by the pool's budget, not data the program holds.</summary>
    internal static long LiveBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        HostPool.SweepNow();
        return GC.GetTotalMemory(forceFullCollection: false) - HostPool.Stats().FreeBytes;
    }

    public static int LongRun(int batch, int steps, TextWriter output)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "--long-run needs at least one step.");
        var gen = new Generator(0);
        var model = TrainStepBenchmarks.SeedNetwork(gen);
        var optimizer = new Optim.Adam(model.Parameters(), lr: 1e-3f);
        var lossFn = new Nn.CrossEntropyLoss();
        var x = Tensor.Rand([batch, 784], gen);
        var labels = new long[batch];
        for (int i = 0; i < batch; i++) labels[i] = gen.NextInt(10);
        var y = Tensor.From(labels, [batch]);
        var window = new List<double>();
        for (int s = 1; s <= steps; s++)
        {
            long start = Stopwatch.GetTimestamp();
            var loss = lossFn.Forward(model.Forward(x), y);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            window.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (s % 250 != 0 && s != steps) continue;
            int subnormal = 0;
            foreach (var p in model.Parameters())
                if (optimizer.StateOf(p) is { } state)
                    foreach (var v in state["exp_avg"].ToArray()) if (float.IsSubnormal(v)) subnormal++;
            window.Sort();
            output.WriteLine(FormattableString.Invariant($"long-run {batch} steps {s - window.Count + 1}-{s}: median {window[window.Count / 2]:F3} ms, loss {loss.Item():G3}, subnormal exp_avg {subnormal}"));
            window.Clear();
        }
        return 0;
    }
}
