using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace Functional.Bench;

/// <summary>
/// Entry point. Our own switches (removed before the rest goes to BenchmarkDotNet's command line):
///   --quick   a ShortRun-like job (1 launch, 3 warmups, 5 measured iterations; the median is compared); the default
///   --full    BenchmarkDotNet's default job (many iterations, tighter error bars, much longer)
///   --out-of-process  build and run each benchmark in its own process (BenchmarkDotNet's default toolchain);
///             without it the benchmarks run in this process (InProcessEmitToolchain), which needs no extra build.
///   --steady N  instead of BenchmarkDotNet: N training steps and the live heap along the way (SteadyState).
///   --step B N  instead of BenchmarkDotNet: N Stopwatch samples of the training step at batch B (StepSamples).
///   --long-run B N  N steps of one never-reset run at batch B, step time and subnormal moments every 250 (StepSamples).
///   --gemm N SAMPLES  instead of BenchmarkDotNet: SAMPLES Stopwatch samples of an n×n SGEMM, with page faults (GemmSamples).
///   --elementwise N SAMPLES  instead of BenchmarkDotNet: SAMPLES Stopwatch samples of (t * 2 + 1).Relu() on n floats (ElementwiseSamples).
///   --gemm-shape M N K [ta] [tb] SAMPLES  the same for one M×K by K×N product, A or B optionally a transposed view
///             (GemmShapeSamples): the MLP's small products.
///   --gemm-ab M N K [ta] [tb] PAIRS A B  that product under two tile/blocking configurations, alternating call by call.
///   --tiny N    instead of BenchmarkDotNet: N Stopwatch samples of the tiny-op chain (TinyOpSamples; bench/ab_tinyop.sh).
/// Everything else is BenchmarkDotNet's own (e.g. --filter '*Gemm*', --artifacts DIR). With no --filter, all run.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int Arg(string name, int k) => int.Parse(args[Array.IndexOf(args, name) + k], CultureInfo.InvariantCulture);
        if (args.Contains("--steady")) return SteadyState.Run(Arg("--steady", 1), Console.Out);
        if (args.Contains("--tiny")) return TinyOpSamples.Run(Arg("--tiny", 1), Console.Out);
        if (args.Contains("--long-run")) return StepSamples.LongRun(Arg("--long-run", 1), Arg("--long-run", 2), Console.Out);
        if (args.Contains("--elementwise")) return ElementwiseSamples.Run(Arg("--elementwise", 1), Arg("--elementwise", 2), Console.Out);
        if (args.Contains("--gemm-ab")) return GemmShapeSamples.RunAb(args, Array.IndexOf(args, "--gemm-ab") + 1, Console.Out);
        if (args.Contains("--gemm-shape")) return GemmShapeSamples.Run(args, Array.IndexOf(args, "--gemm-shape") + 1, Console.Out);
        if (args.Contains("--gemm")) return GemmSamples.Run(Arg("--gemm", 1), Arg("--gemm", 2), Console.Out);
        if (args.Contains("--step")) return StepSamples.Run(Arg("--step", 1), Arg("--step", 2), Console.Out);
        var rest = new List<string>();
        bool full = false, outOfProcess = false;
        foreach (var a in args)
            switch (a)
            {
                case "--quick": full = false; break;
                case "--full": full = true; break;
                case "--out-of-process": outOfProcess = true; break;
                default: rest.Add(a); break;
            }
        if (!rest.Any(a => a is "--filter" or "-f" || a.StartsWith("--filter=", StringComparison.Ordinal)
                           || a is "--list" or "--help" or "-h" or "--info"))
        {
            rest.Add("--filter");
            rest.Add("*");
        }

        var job = full
            ? Job.Default.WithId("Full")
            : Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(5);
        if (!outOfProcess) job = job.WithToolchain(InProcessEmitToolchain.Instance);

        // Fixed units and no unit suffixes in the CSV, so scripts can read numbers directly; JSON for compare.sh.
        var csvStyle = new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, SizeUnit.B, TimeUnit.Nanosecond,
                                    printUnitsInContent: false, printZeroValuesInContent: true);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, RateColumn.Gflops, RateColumn.Gbps)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, new CsvExporter(CsvSeparator.Comma, csvStyle), JsonExporter.Brief)
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .WithOption(ConfigOptions.JoinSummary, false);

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray(), config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
