using BenchmarkDotNet.Attributes;

namespace Functional.Bench;

/// <summary>
/// Per-op overhead: a chain of 10,000 nodes <c>x = x*1.0001f + 0.0001f</c> from a 0-d leaf that requires grad, then
/// <c>Backward()</c>. Each node is two recorded ops (mul, add), so one invocation is 20,000 ops; the reported time is per op
/// (forward and backward together).
/// </summary>
public class TinyOpChainBenchmarks
{
    public const int Nodes = 10_000;
    public const int OpsPerChain = 2 * Nodes;

    private Tensor _leaf = null!;

    [GlobalSetup]
    public void Setup() => _leaf = Tensor.Scalar(1f, requiresGrad: true);

    [Benchmark(OperationsPerInvoke = OpsPerChain)]
    public Tensor TinyOpChain()
    {
        var x = _leaf;
        for (int i = 0; i < Nodes; i++) x = x * 1.0001f + 0.0001f;
        x.Backward();
        return x;
    }
}
