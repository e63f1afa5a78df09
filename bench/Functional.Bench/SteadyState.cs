using System.Globalization;

namespace Functional.Bench;

/// <summary>
/// <c>--steady N</c>: N training steps of the seed network (batch 64, as <see cref="TrainStepBenchmarks"/>), reporting
/// the live heap after a full collection at step 100, N/2 and N, and the collections and bytes allocated per step in
/// between. Steady state means the live heap does not grow with the number of steps. Lines:
/// <c>steady &lt;step&gt; &lt;live heap bytes&gt; &lt;gen0&gt; &lt;gen1&gt; &lt;gen2&gt; &lt;bytes allocated per step since the last line&gt;</c>.
/// </summary>
public static class SteadyState
{
    public static int Run(int steps, TextWriter o)
    {
        if (steps < 100) throw new ArgumentOutOfRangeException(nameof(steps), "--steady needs at least 100 steps.");
        var b = new TrainStepBenchmarks { Batch = 64 };
        b.Setup();
        int[] marks = [100, steps / 2, steps];
        long lastBytes = GC.GetTotalAllocatedBytes(precise: true);
        int lastStep = 0;
        for (int step = 1; step <= steps; step++)
        {
            b.TrainStep();
            if (!marks.Contains(step) || step == lastStep) continue;
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            double perStep = (allocated - lastBytes) / (double)(step - lastStep);
            long live = GC.GetTotalMemory(forceFullCollection: true);   // collects: read the counts after it, as they include it
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"steady {step} {live} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {perStep:F0}"));
            lastBytes = GC.GetTotalAllocatedBytes(precise: true);
            lastStep = step;
        }
        return 0;
    }
}
