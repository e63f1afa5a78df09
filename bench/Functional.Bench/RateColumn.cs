using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Functional.Bench;

/// <summary>A rate column: an amount of work per call (a function of the benchmark's N) divided by the median time,
/// shown for one benchmark class and empty elsewhere. <see cref="Gflops"/> for <see cref="GemmBenchmarks"/>,
/// <see cref="Gbps"/> for <see cref="ElementwiseBenchmarks"/>.</summary>
public sealed class RateColumn(string name, Type benchmarks, Func<int, double> perCall, string format, int priority, string legend) : IColumn
{
    /// <summary>GFLOP/s = 2·n³ / median time, for the n×n×n matrix products.</summary>
    public static readonly RateColumn Gflops = new("GFLOP/s", typeof(GemmBenchmarks), n => 2.0 * n * n * n, "F1", 0,
        "2·n³ floating-point operations divided by the median time (matrix products only)");

    /// <summary>GB/s = bytes read and written per call / median time, for the elementwise chain.</summary>
    public static readonly RateColumn Gbps = new("GB/s", typeof(ElementwiseBenchmarks), ElementwiseBenchmarks.BytesPerCall, "F2", 1,
        "3 ops x (read n*4 + write n*4) bytes divided by the median time (elementwise chain only)");

    public string Id => $"{nameof(RateColumn)}.{name}";
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => priority;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var n = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "N")?.Value;
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (benchmarkCase.Descriptor.Type != benchmarks || n is not int size || stats is null || stats.Median <= 0) return "-";
        return (perCall(size) / stats.Median).ToString(format, style.CultureInfo);   // per ns = G.../s
    }

    public override string ToString() => ColumnName;
}
