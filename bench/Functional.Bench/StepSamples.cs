using System.Diagnostics;

namespace Functional.Bench;

/// <summary>
/// <c>--step BATCH N</c>: the training step of <see cref="TrainStepBenchmarks"/> timed N times with a plain Stopwatch after
/// 50 warm-up steps, printing <c>step &lt;batch&gt; &lt;median ms&gt; &lt;min ms&gt;</c>: a quick check outside BenchmarkDotNet.
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
}
