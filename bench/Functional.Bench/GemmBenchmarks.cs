using BenchmarkDotNet.Attributes;

namespace Functional.Bench;

/// <summary>SGEMM through the public API: <c>a.MatMul(b)</c> for two n×n Float32 matrices (no grad recorded).</summary>
public class GemmBenchmarks
{
    private Tensor _a = null!, _b = null!;

    [Params(256, 512, 1024, 2048)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(1);
        _a = Tensor.Randn([N, N], gen);
        _b = Tensor.Randn([N, N], gen);
    }

    [Benchmark]
    public Tensor Sgemm() => _a.MatMul(_b);
}
