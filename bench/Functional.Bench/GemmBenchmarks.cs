using BenchmarkDotNet.Attributes;

namespace Functional.Bench;

/// <summary>
/// SGEMM through the public API: <c>a.MatMul(b)</c> for two n×n Float32 matrices (no grad recorded), once per GEMM
/// provider: the managed kernel always, OpenBLAS when it loads (<see cref="Blas.OpenBlasAvailable"/>; set
/// FUNCTIONAL_OPENBLAS to a libopenblas.so.0 that is not on the loader's path).
/// </summary>
public class GemmBenchmarks
{
    private Tensor _a = null!, _b = null!;
    private GemmProvider _saved;

    [Params(256, 512, 1024, 2048)]
    public int N { get; set; }

    [ParamsSource(nameof(Providers))]
    public GemmProvider Provider { get; set; }

    public static IEnumerable<GemmProvider> Providers =>
        Blas.OpenBlasAvailable ? [GemmProvider.Managed, GemmProvider.OpenBlas] : [GemmProvider.Managed];

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(1);
        _a = Tensor.Randn([N, N], gen);
        _b = Tensor.Randn([N, N], gen);
        _saved = Blas.Provider;
        Blas.Provider = Provider;
    }

    [GlobalCleanup]
    public void Cleanup() => Blas.Provider = _saved;   // the other benchmarks (in-process) keep the default

    [Benchmark]
    public Tensor Sgemm() => _a.MatMul(_b);
}
