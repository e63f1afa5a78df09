using BenchmarkDotNet.Attributes;

namespace Functional.Bench;

/// <summary>
/// Memory-bound elementwise work through the public API (issue 19): <c>(t * 2f + 1f).Relu()</c> on a Float32 tensor of
/// n floats, no grad recorded (<see cref="Autograd.NoGrad"/> taken on every call, as bench/torch_ref.py takes
/// <c>torch.no_grad()</c>). Three ops, each reading n floats and writing a fresh result of n floats, so the throughput is
/// <see cref="BytesPerCall"/> / time (the GB/s column).
/// </summary>
public class ElementwiseBenchmarks
{
    private Tensor _t = null!;

    [Params(1_024, 16_384, 262_144, 4_194_304)]
    public int N { get; set; }

    /// <summary>Bytes one call moves: 3 ops × (read n×4 + write n×4).</summary>
    public static double BytesPerCall(int n) => 3.0 * (4.0 * n + 4.0 * n);

    [GlobalSetup]
    public void Setup() => _t = Tensor.Randn([N], new Generator(2));

    [Benchmark]
    public Tensor Elementwise() => Chain(_t);

    /// <summary>The workload: <c>(t * 2f + 1f).Relu()</c> under NoGrad.</summary>
    public static Tensor Chain(Tensor t)
    {
        using (Autograd.NoGrad()) return (t * 2f + 1f).Relu();
    }
}
