using BenchmarkDotNet.Attributes;
using Functional.Nn;
using Functional.Optim;

namespace Functional.Bench;

/// <summary>
/// One training step of the seed network (784→512→512→10, ReLU, cross-entropy, Adam lr 1e-3), as in <c>functional train</c>:
/// forward, ZeroGrad, backward, Step. Inputs are fixed random pixels in [0, 1) and random labels; the weights keep training
/// across invocations, as in a real run. MemoryDiagnoser gives the GCs and bytes allocated per step.
/// </summary>
public class TrainStepBenchmarks
{
    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private readonly CrossEntropyLoss _lossFn = new();
    private Tensor _x = null!, _y = null!;

    [Params(64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(0);
        _model = new Sequential(
            new Linear(784, 512, gen: gen), new ReLU(),
            new Linear(512, 512, gen: gen), new ReLU(),
            new Linear(512, 10, gen: gen));
        _optimizer = new Adam(_model.Parameters(), lr: 1e-3f);
        _x = Tensor.Rand([Batch, 784], gen);
        var labels = new long[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = gen.NextInt(10);
        _y = Tensor.From(labels, [Batch]);
        _model.Train();
    }

    [Benchmark]
    public Tensor TrainStep()
    {
        var loss = _lossFn.Forward(_model.Forward(_x), _y);
        _optimizer.ZeroGrad();
        loss.Backward();
        _optimizer.Step();
        return loss;
    }
}
