using Functional.Io;
using Functional.Nn;

namespace Functional.Tests;

/// <summary>
/// Functional.Nn: modules, parameters, state dicts. PyTorch's reprs, names and numbers are from
/// <c>Reference/torch_optim.out</c> (produced by <c>Reference/torch_optim.py</c>, PyTorch 1.13); the section is named in each test.
/// </summary>
public class NnTests
{
    private static void AssertClose(float[] expected, Tensor? actual, float rel = 1e-6f) =>
        TensorAssert.Close(expected, actual, absolute: 1e-7f, relative: rel);

    /// <summary>A model with a nested child, a Sequential, and a parameter of its own, registered in the constructor.</summary>
    private sealed class Net : Module
    {
        public Linear Layer1 { get; }
        public Sequential Block { get; }
        public Parameter Scale { get; }

        public Net(Generator gen)
        {
            Layer1 = RegisterModule("layer1", new Linear(4, 3, gen: gen));
            Block = RegisterModule("block", new Sequential(new ReLU(), new Linear(3, 2, bias: false, gen: gen), new Dropout(0.5f, gen)));
            Scale = RegisterParameter("scale", new Parameter(Tensor.Ones(2)));
        }

        public override Tensor Forward(Tensor x) => Block.Forward(Layer1.Forward(x)) * Scale;
    }

    private static Sequential Mlp(int seed = 0)
    {
        var gen = new Generator(seed);
        return new Sequential(new Linear(2, 3, gen: gen), new ReLU(), new Linear(3, 1, gen: gen));
    }

    // ---- parameters and names ------------------------------------------------------------------------

    [Fact]
    public void NamedParametersOfASequentialOfLinearsAreDottedIndices()
    {
        // torch_optim.out, "named parameters": [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (1, 3)), ('2.bias', (1,))]
        var s = Mlp();
        var named = s.NamedParameters().ToList();
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], named.Select(n => n.Name));
        Assert.Equal([[3, 2], [3], [1, 3], [1]], named.Select(n => n.P.Shape.ToArray()));
        Assert.Same(((Linear)s[0]).Weight, named[0].P);
        Assert.Equal(named.Select(n => n.P), s.Parameters());
        Assert.Equal(["0", "1", "2"], s.NamedChildren().Select(c => c.Name));
    }

    [Fact]
    public void RegisteredChildrenNestTheirNames()
    {
        var net = new Net(new Generator(3));
        // As in PyTorch, a module's own parameters come before its children's, whatever the registration order.
        Assert.Equal(["scale", "layer1.weight", "layer1.bias", "block.1.weight"], net.NamedParameters().Select(n => n.Name));
        Assert.Equal(["", "layer1", "block", "block.0", "block.1", "block.2"], net.NamedModules().Select(m => m.Name));
        Assert.Null(((Linear)net.Block[1]).Bias);   // bias: false registers no parameter
    }

    [Fact]
    public void ASharedParameterIsListedOnceButStateDictNamesItUnderEveryPath()
    {
        // PyTorch: named_parameters() removes duplicates; state_dict() keeps every key.
        var lin = new Linear(2, 2, gen: new Generator(1));
        var tied = new Sequential(lin, new Tanh(), lin);
        Assert.Equal(["0.weight", "0.bias"], tied.NamedParameters().Select(n => n.Name));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], tied.StateDict().Keys);
        Assert.Equal(["", "0", "1"], tied.NamedModules().Select(m => m.Name));
        tied.LoadStateDict(tied.StateDict());
    }

    private sealed class BadNames : Module
    {
        public BadNames(string first, string second)
        {
            RegisterParameter(first, new Parameter(Tensor.Zeros(1)));
            RegisterModule(second, new ReLU());
        }

        public override Tensor Forward(Tensor x) => x;
    }

    [Fact]
    public void RegistrationRefusesDotsEmptyAndDuplicateNames()
    {
        Assert.Contains("can't contain \".\"", Assert.Throws<ArgumentException>(() => new BadNames("a.b", "c")).Message);
        Assert.Contains("can't be empty", Assert.Throws<ArgumentException>(() => new BadNames("", "c")).Message);
        Assert.Contains("attribute 'a' already exists", Assert.Throws<ArgumentException>(() => new BadNames("a", "a")).Message);
    }

    // ---- Parameter -----------------------------------------------------------------------------------

    [Fact]
    public void ParameterIsALeafThatRequiresGradAndAliasesItsData()
    {
        var data = Tensor.From([1f, 2f]);
        var p = new Parameter(data);
        Assert.True(p.IsLeaf);
        Assert.True(p.RequiresGrad);
        Assert.False(data.RequiresGrad);
        using (Autograd.NoGrad()) p.Add_(1f);
        Assert.Equal([2f, 3f], data.ToArray());        // same storage, as nn.Parameter(t)
        Assert.Equal(1, data.Version);                 // and the same version counter

        p.RequiresGrad = false;
        Assert.False(p.RequiresGrad);
        Assert.False(((Tensor)p).RequiresGrad);
        Assert.Same(p, p.RequiresGrad_());
        Assert.True(p.RequiresGrad);

        var fromGraph = new Parameter(Tensor.From([1f], requiresGrad: true) * 2f);
        Assert.True(fromGraph.IsLeaf);
        Assert.Null(fromGraph.GradFn);
        Assert.Throws<DTypeMismatchException>(() => new Parameter(Tensor.From([1L])));
        Assert.False(new Parameter(Tensor.From([1L]), requiresGrad: false).RequiresGrad);
    }

    [Fact]
    public void ParameterPrintsLikeTorch()
    {
        // torch_optim.out, "parameter printing"
        Assert.Equal("Parameter containing:\ntensor([1., 2., 3.], requires_grad=True)", new Parameter(Tensor.From([1f, 2f, 3f])).ToString());
        Assert.Equal("Parameter containing:\ntensor([[ 0.5000, -1.0000],\n        [ 2.0000,  0.2500]], requires_grad=True)",
                     new Parameter(Tensor.From(new float[,] { { 0.5f, -1f }, { 2f, 0.25f } })).ToString());
        Assert.Equal("Parameter containing:\ntensor([1., 2.])", new Parameter(Tensor.From([1f, 2f]), requiresGrad: false).ToString());
    }

    [Fact]
    public void ModulesPrintLikeTorch()
    {
        // torch_optim.out, "module repr"
        var s = new Sequential(new Linear(2, 3), new ReLU(), new Linear(3, 1, bias: false), new Flatten(), new Dropout(0.25f));
        Assert.Equal(
            "Sequential(\n" +
            "  (0): Linear(in_features=2, out_features=3, bias=True)\n" +
            "  (1): ReLU()\n" +
            "  (2): Linear(in_features=3, out_features=1, bias=False)\n" +
            "  (3): Flatten(start_dim=1, end_dim=-1)\n" +
            "  (4): Dropout(p=0.25, inplace=False)\n" +
            ")", s.ToString());
        Assert.Equal("MSELoss()", new MSELoss().ToString());
    }

    // ---- Linear --------------------------------------------------------------------------------------

    [Fact]
    public void LinearInitIsUniformWithinOneOverSqrtInAndDeterministicPerSeed()
    {
        // kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in)); the bias uses the same bound.
        var lin = new Linear(16, 500, gen: new Generator(7));
        const float bound = 0.25f;
        var w = lin.Weight.ToArray();
        var b = lin.Bias!.ToArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(b, v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Max() > 0.99f * bound && w.Min() < -0.99f * bound, "the weights should fill the interval");
        Assert.InRange(w.Average(), -0.01f, 0.01f);
        Assert.True(b.Max() > 0.9f * bound && b.Min() < -0.9f * bound, "the bias should fill the interval");

        var again = new Linear(16, 500, gen: new Generator(7));
        Assert.Equal(w, again.Weight.ToArray());
        Assert.Equal(b, again.Bias!.ToArray());
        Assert.NotEqual(w, new Linear(16, 500, gen: new Generator(8)).Weight.ToArray());

        Assert.Equal([500, 16], lin.Weight.Shape.ToArray());
        Assert.True(lin.Weight.IsLeaf && lin.Weight.RequiresGrad && lin.Bias.RequiresGrad);
        Assert.Equal(0f, new Linear(0, 2).Weight.NumElements);   // fan_in 0: nothing to draw, bias bound 0
        Assert.Equal([0f, 0f], new Linear(0, 2).Bias!.ToArray());
    }

    [Fact]
    public void LinearForwardLossesAndGradientsMatchTorch()
    {
        // torch_optim.out, "linear forward with fixed weights"
        var lin = new Linear(3, 2);
        lin.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.From(new float[,] { { 0.1f, 0.2f, 0.3f }, { -0.4f, 0.5f, -0.6f } }),
            ["bias"] = Tensor.From([0.01f, -0.02f]),
        });
        var x = Tensor.From(new float[,] { { 1f, 2f, 3f }, { -1f, 0.5f, 0f } });
        var y = lin.Forward(x);
        AssertClose([1.41000009f, -1.22000003f, 0.00999999978f, 0.629999995f], y);
        Assert.Equal("AddmmBackward0", y.GradFn!.Name);

        var loss = new MSELoss().Forward(y, Tensor.From(new float[,] { { 1f, 0f }, { 0f, 1f } }));
        AssertClose([0.448375046f], loss);
        Assert.Equal("MseLossBackward0", loss.GradFn!.Name);
        loss.Backward();
        AssertClose([0.200000048f, 0.412500083f, 0.615000129f, -0.425000012f, -1.3125f, -1.83000004f], lin.Weight.Grad);
        AssertClose([0.210000038f, -0.795000017f], lin.Bias!.Grad);

        var ce = new CrossEntropyLoss().Forward(lin.Forward(x), Tensor.From([1L, 0L]));
        AssertClose([1.87502301f], ce);
        Assert.Equal("NllLossBackward0", ce.GradFn!.Name);
    }

    [Fact]
    public void MseLossIsDifferentiableInBothArgumentsAndRefusesBroadcasting()
    {
        var a = Tensor.From([1f, 2f, 4f], requiresGrad: true);
        var t = Tensor.From([0f, 2f, 1f], requiresGrad: true);
        new MSELoss().Forward(a, t).Backward();
        AssertClose([2f / 3, 0f, 2f], a.Grad);            // 2 (a - t) / N
        AssertClose([-2f / 3, 0f, -2f], t.Grad);
        var e = Assert.Throws<ShapeMismatchException>(() => new MSELoss().Forward(Tensor.Zeros(2, 1), Tensor.Zeros(2)));
        Assert.Contains("Using a target size ([2]) that is different to the input size ([2, 1])", e.Message);
    }

    [Fact]
    public void ActivationsAndFlattenApplyTheirTensorOps()
    {
        var x = Tensor.From([-1f, 0.5f, 2f, -3f], [1, 2, 2], requiresGrad: true);
        Assert.Equal("ReluBackward0", new ReLU().Forward(x).GradFn!.Name);
        Assert.Equal(x.Relu().ToArray(), new ReLU().Forward(x).ToArray());
        Assert.Equal(x.Sigmoid().ToArray(), new Sigmoid().Forward(x).ToArray());
        Assert.Equal(x.Tanh().ToArray(), new Tanh().Forward(x).ToArray());
        Assert.Equal([1, 4], new Flatten().Forward(x).Shape.ToArray());
        Assert.Equal([1, 2, 2], new Flatten(2).Forward(x).Shape.ToArray());
        Assert.Equal([4], new Flatten(0).Forward(x).Shape.ToArray());
        Assert.Same(x, new Sequential().Forward(x));      // an empty Sequential is the identity
    }

    // ---- training mode and Dropout -------------------------------------------------------------------

    [Fact]
    public void TrainAndEvalSetTheModeOfTheWholeTree()
    {
        var net = new Net(new Generator(1));
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        Assert.Same(net, net.Eval());
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Block.Train();
        Assert.False(net.Training);
        Assert.True(net.Block[2].Training);
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        net.Train(false);
        Assert.All(net.Modules(), m => Assert.False(m.Training));
    }

    [Fact]
    public void DropoutIsTheIdentityInEval()
    {
        var d = new Dropout(0.5f, new Generator(1));
        var x = Tensor.Randn([4, 5], new Generator(2));
        d.Eval();
        Assert.Same(x, d.Forward(x));
        d.Train();
        Assert.Same(x, new Dropout(0f).Forward(x));       // p = 0 drops nothing
        Assert.Equal(new float[20], new Dropout(1f).Forward(x).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5f));
    }

    [Fact]
    public void DropoutInTrainZeroesWithProbabilityPAndScalesTheRestByOneOverOneMinusP()
    {
        const float p = 0.25f;
        var x = Tensor.Full([100, 100], 2f).RequiresGrad_();
        var y = new Dropout(p, new Generator(42)).Forward(x);
        Assert.Equal("MulBackward0", y.GradFn!.Name);
        var v = y.ToArray();
        Assert.All(v, e => Assert.True(e == 0f || Math.Abs(e - 2f / (1 - p)) < 1e-6f, $"element {e}"));
        double dropped = v.Count(e => e == 0f) / (double)v.Length;
        Assert.InRange(dropped, 0.23, 0.27);
        Assert.InRange(v.Average(), 1.95f, 2.05f);        // the expectation is unchanged

        y.Sum().Backward();                               // the gradient is the same mask
        var g = x.Grad!.ToArray();
        for (int i = 0; i < v.Length; i++) Assert.Equal(v[i] / 2f, g[i], 1e-6f);

        var again = new Dropout(p, new Generator(42)).Forward(x);
        Assert.Equal(v, again.ToArray());                 // a seeded generator drops the same elements
    }

    // ---- freezing and zeroing ------------------------------------------------------------------------

    [Fact]
    public void RequiresGradFalseFreezesAModule()
    {
        var net = new Net(new Generator(5));
        net.Eval();                                       // no dropout
        Assert.Same(net.Layer1, net.Layer1.RequiresGrad_(false));
        var x = Tensor.Randn([2, 4], new Generator(6));
        net.Forward(x).Sum().Backward();
        Assert.Null(net.Layer1.Weight.Grad);
        Assert.Null(net.Layer1.Bias!.Grad);
        Assert.NotNull(((Linear)net.Block[1]).Weight.Grad);
        Assert.NotNull(net.Scale.Grad);

        net.Layer1.RequiresGrad_();
        net.Forward(x).Sum().Backward();
        Assert.NotNull(net.Layer1.Weight.Grad);
    }

    [Fact]
    public void ModuleZeroGradClearsEveryParameterIncludingFrozenOnes()
    {
        var s = Mlp();
        s.Forward(Tensor.Ones(1, 2)).Sum().Backward();
        s[0].RequiresGrad_(false);                        // frozen after its gradient was computed
        s.ZeroGrad(setToNone: false);
        Assert.All(s.Parameters(), p => Assert.All(p.Grad!.ToArray(), v => Assert.Equal(0f, v)));
        s.ZeroGrad();
        Assert.All(s.Parameters(), p => Assert.Null(p.Grad));
    }

    // ---- state dicts ---------------------------------------------------------------------------------

    [Fact]
    public void StateDictRoundTripsIntoTheExistingParameters()
    {
        var source = Mlp(seed: 1);
        var target = Mlp(seed: 2);
        var weight = ((Linear)target[0]).Weight;
        Assert.NotEqual(((Linear)source[0]).Weight.ToArray(), weight.ToArray());
        var sd = source.StateDict();
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], sd.Keys);   // torch_optim.out, "named parameters"
        Assert.All(sd.Values, t => Assert.False(t.RequiresGrad));
        int version = weight.Version;

        target.LoadStateDict(sd);
        Assert.Same(weight, ((Linear)target[0]).Weight);                        // copied into the existing storage...
        Assert.Equal(version + 1, weight.Version);                               // ...by a tracked write
        foreach (var ((name, a), (_, b)) in source.NamedParameters().Zip(target.NamedParameters()))
            Assert.True(a.ToArray().SequenceEqual(b.ToArray()), name);
        var x = Tensor.Randn([3, 2], new Generator(9));
        Assert.Equal(source.Forward(x).ToArray(), target.Forward(x).ToArray());

        // As in PyTorch, the values alias the parameters: a later in-place write shows through.
        using (Autograd.NoGrad()) ((Linear)source[0]).Bias!.Fill_(5f);
        Assert.Equal([5f, 5f, 5f], sd["0.bias"].ToArray());
    }

    [Fact]
    public void LoadStateDictMismatchNamesTheKeyAndBothShapesAndCopiesNothing()
    {
        // torch_optim.out, "load_state_dict size mismatch": "Error(s) in loading state_dict for Linear:\n\tsize mismatch for
        // weight: copying a param with shape torch.Size([3, 4]) from checkpoint, the shape in current model is torch.Size([3, 2])."
        var lin = new Linear(2, 3, gen: new Generator(1));
        var before = lin.Weight.ToArray();
        var sd = new Linear(4, 3).StateDict();
        var e = Assert.Throws<StateDictMismatchException>(() => lin.LoadStateDict(sd));
        Assert.StartsWith("Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape [3, 4] " +
                          "from checkpoint, the shape in current model is [3, 2].", e.Message);
        Assert.Equal(["weight"], e.MismatchedKeys);
        Assert.Equal(before, lin.Weight.ToArray());

        var s = Mlp();
        var bad = Mlp().StateDict();
        bad.Remove("2.bias");
        bad["3.weight"] = Tensor.Zeros(1);
        bad["0.bias"] = Tensor.From([0.0, 0.0, 0.0]);   // Float64
        var biasBefore = ((Linear)s[0]).Bias!.ToArray();
        e = Assert.Throws<StateDictMismatchException>(() => s.LoadStateDict(bad));
        Assert.Contains("Missing key(s) in state_dict: \"2.bias\".", e.Message);
        Assert.Contains("Unexpected key(s) in state_dict: \"3.weight\".", e.Message);
        Assert.Contains("dtype mismatch for 0.bias: copying a param of dtype Float64 from checkpoint, the dtype in current model is Float32", e.Message);
        Assert.Equal(["2.bias"], e.MissingKeys);
        Assert.Equal(["3.weight"], e.UnexpectedKeys);
        Assert.Equal(biasBefore, ((Linear)s[0]).Bias!.ToArray());   // nothing was copied
    }
}
