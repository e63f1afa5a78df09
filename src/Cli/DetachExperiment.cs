using Functional.Nn;
using Functional.Optim;

namespace Functional.Cli;

/// <summary>
/// Seed 000's TestDetach experiment: layer 1's output is detached on odd epochs; Adam(lr=1, weight_decay=0.5) runs
/// three epochs, once with <c>ZeroGrad(setToNone: true)</c> (PyTorch 2.x) and once with false (1.x). With true,
/// layer 1 keeps a null Grad on the detached epoch and Adam skips it; with false, its Grad is zeros and Adam's
/// momentum and weight decay move it anyway.
/// </summary>
public static class DetachExperiment
{
    /// <summary>One epoch's observation, with what <see cref="Optimizer.Explain"/> said before the step.</summary>
    public sealed record Epoch(bool SetToNone, int Number, bool Detached, float Loss, bool Layer1Changed, bool Layer1GradIsNull, StepReport Report);

    private sealed class TestDetach : Module
    {
        public TestDetach(int inDim, int hiddenDim, int outDim, Generator gen)
        {
            Layer1 = RegisterModule("layer1", new Linear(inDim, hiddenDim, bias: false, gen));
            Layer2 = RegisterModule("layer2", new Linear(hiddenDim, outDim, bias: false, gen));
        }

        public Linear Layer1 { get; }
        public Linear Layer2 { get; }
        public bool DetachLayer1 { get; set; }

        public override Tensor Forward(Tensor x)
        {
            var h = Layer1.Forward(x).Relu();
            if (DetachLayer1) h = h.Detach();
            return Layer2.Forward(h);
        }
    }

    /// <summary>Runs the experiment with both ZeroGrad settings and returns every epoch's observation.</summary>
    public static List<Epoch> Run(int seed = 0, int n = 5000, int features = 196, int hidden = 64, int classes = 3, int epochs = 3)
    {
        var results = new List<Epoch>();
        foreach (bool setToNone in new[] { true, false })
        {
            var gen = new Generator(seed);   // the same data and initial weights for both settings
            var x = Tensor.Randn([n, features], gen);
            var y = Tensor.From(Enumerable.Range(0, n).Select(_ => (long)gen.NextInt(classes)).ToArray());
            var model = new TestDetach(features, hidden, classes, gen);
            var lossFn = new CrossEntropyLoss();
            var optimizer = new Adam(model.Parameters(), lr: 1, weightDecay: 0.5f);
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                model.DetachLayer1 = epoch % 2 == 1;
                var loss = lossFn.Forward(model.Forward(x), y);
                loss.Backward();
                var before = model.Layer1.Weight.ToArray();
                var report = optimizer.Explain(loss, model);
                optimizer.Step();
                bool changed = !before.AsSpan().SequenceEqual(model.Layer1.Weight.ToArray());
                results.Add(new Epoch(setToNone, epoch, model.DetachLayer1, loss.Item(), changed, model.Layer1.Weight.Grad is null, report));
                optimizer.ZeroGrad(setToNone);
            }
        }
        return results;
    }

    /// <summary>Runs the experiment and prints one line per epoch, each followed by <see cref="Optimizer.Explain"/>'s
    /// report (what the step is about to do to each parameter, and why).</summary>
    public static void Print(TextWriter o, int seed = 0)
    {
        o.WriteLine("Seed 000: layer 1's output detached on odd epochs; Adam(lr=1, weight_decay=0.5).");
        foreach (var e in Run(seed))
        {
            o.WriteLine($"ZeroGrad(setToNone: {e.SetToNone,-5})  epoch {e.Number}  detached {e.Detached,-5}  loss {e.Loss,9:F4}  " +
                        $"layer 1 changed {e.Layer1Changed,-5}  layer 1 Grad is null {e.Layer1GradIsNull}");
            o.WriteLine("    " + e.Report.ToString().Replace("\n", "\n    "));
        }
        o.WriteLine("With setToNone: true the detached layer keeps a null Grad and Adam skips it (PyTorch 2.x); with false its Grad is");
        o.WriteLine("zeros and Adam's momentum and weight decay still move it (PyTorch 1.x).");
    }
}
