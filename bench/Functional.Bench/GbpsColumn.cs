using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Functional.Bench;

/// <summary>GB/s = <see cref="ElementwiseBenchmarks.BytesPerCall"/> / median time, for <see cref="ElementwiseBenchmarks"/>; empty elsewhere.</summary>
public sealed class GbpsColumn : IColumn
{
    public string Id => nameof(GbpsColumn);
    public string ColumnName => "GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "3 ops x (read n*4 + write n*4) bytes divided by the median time (elementwise chain only)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var n = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "N")?.Value;
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (benchmarkCase.Descriptor.Type != typeof(ElementwiseBenchmarks) || n is not int size || stats is null || stats.Median <= 0) return "-";
        return (ElementwiseBenchmarks.BytesPerCall(size) / stats.Median).ToString("F2", style.CultureInfo);   // bytes per ns = GB/s
    }

    public override string ToString() => ColumnName;
}
