using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Functional.Bench;

/// <summary>GFLOP/s = 2·n³ / median time, for <see cref="GemmBenchmarks"/> (the n×n×n matrix products); empty elsewhere.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·n³ floating-point operations divided by the median time (matrix products only)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var n = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "N")?.Value;
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (benchmarkCase.Descriptor.Type != typeof(GemmBenchmarks) || n is not int size || stats is null || stats.Median <= 0) return "-";
        double flops = 2.0 * size * size * size;
        return (flops / stats.Median).ToString("F1", style.CultureInfo);   // flops per ns = GFLOP/s
    }

    public override string ToString() => ColumnName;
}
