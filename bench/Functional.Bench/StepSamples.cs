using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// Quick checks of the training step outside BenchmarkDotNet:
/// <list type="bullet">
/// <item><c>--step BATCH N</c>: <see cref="TrainStepBenchmarks"/> (reset every 100 steps) timed N times after 50 warm-up
/// steps; prints <c>step &lt;batch&gt; &lt;median ms&gt; &lt;min ms&gt; &lt;gen0&gt; &lt;gen1&gt; &lt;gen2&gt; &lt;minor page faults per step&gt;
/// &lt;MiB allocated per step&gt;</c>, the collections counted per 1,000 timed steps (issue 19's measure: a plain app
/// must not pay a gen-2 collection every few steps). Run it as a plain app with
/// <c>DOTNET_GCLOHThreshold=0x14C08</c>, which overrides this project's 8 MB setting with the runtime's default.</item>
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
        Array.Sort(times);
        double c0 = (GC.CollectionCount(0) - g0) * per1000, c1 = (GC.CollectionCount(1) - g1) * per1000, c2 = (GC.CollectionCount(2) - g2) * per1000;
        output.WriteLine(FormattableString.Invariant(
            $"step {batch} {times[samples / 2]:F3} {times[0]:F3} {c0:F1} {c1:F1} {c2:F1} {faultsPerStep:F1} {mibPerStep:F2}"));
        return 0;
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
