using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// Quick checks of the training step outside BenchmarkDotNet:
/// <list type="bullet">
/// <item><c>--step BATCH N</c>: <see cref="TrainStepBenchmarks"/> (reset every 100 steps) timed N times after 50 warm-up
/// steps; prints <c>step &lt;batch&gt; &lt;median ms&gt; &lt;min ms&gt;</c>.</item>
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
        for (int i = 0; i < samples; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step.TrainStep();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        output.WriteLine(FormattableString.Invariant($"step {batch} {times[samples / 2]:F3} {times[0]:F3}"));
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
