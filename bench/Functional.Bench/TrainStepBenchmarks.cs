using BenchmarkDotNet.Attributes;
using Functional.Nn;
using Functional.Optim;

namespace Functional.Bench;

/// <summary>
/// One training step of the seed network (784→512→512→10, ReLU, cross-entropy, Adam lr 1e-3), as in <c>functional train</c>:
/// forward, ZeroGrad, backward, Step. Inputs are fixed random pixels in [0, 1) and random labels. Every
/// <see cref="StepsPerRun"/> steps the weights go back to their initial values and the optimizer starts afresh, so
/// every measurement averages steps 1..100 of a training run, however many steps the harness runs; bench/torch_ref.py
/// does the same. (Without the reset the fixed batch is learnt to a loss of 1e-6 within a few hundred steps and the
/// moments of dead units underflow: a regime PyTorch's own timing, which runs fewer steps, would never see.)
/// MemoryDiagnoser gives the GCs and bytes allocated per step.
/// </summary>
public class TrainStepBenchmarks
{
    /// <summary>Steps between resets to the initial weights and a fresh Adam.</summary>
    public const int StepsPerRun = 100;

    private Sequential _model = null!;
    private Adam _optimizer = null!;
    private Dictionary<string, Tensor> _initial = null!;
    private readonly CrossEntropyLoss _lossFn = new();
    private Tensor _x = null!, _y = null!;
    private int _steps;

    [Params(64, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(0);
        _model = SeedNetwork(gen);
        _initial = _model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        _optimizer = new Adam(_model.Parameters(), lr: 1e-3f);
        _x = Tensor.Rand([Batch, 784], gen);
        var labels = new long[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = gen.NextInt(10);
        _y = Tensor.From(labels, [Batch]);
        _model.Train();
    }

    /// <summary>The seed network, initialised from <paramref name="gen"/>.</summary>
    public static Sequential SeedNetwork(Generator gen) => new(
        new Linear(784, 512, gen: gen), new ReLU(),
        new Linear(512, 512, gen: gen), new ReLU(),
        new Linear(512, 10, gen: gen));

    [Benchmark]
    public Tensor TrainStep()
    {
        if (++_steps % StepsPerRun == 0)
        {
            _model.LoadStateDict(_initial);
            _optimizer = new Adam(_model.Parameters(), lr: 1e-3f);
        }
        var loss = _lossFn.Forward(_model.Forward(_x), _y);
        _optimizer.ZeroGrad();
        loss.Backward();
        _optimizer.Step();
        return loss;
    }
}
