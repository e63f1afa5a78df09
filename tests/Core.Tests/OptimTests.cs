using Functional.Nn;
using Functional.Optim;

namespace Functional.Tests;

/// <summary>
/// Functional.Optim against PyTorch. Every expected number is from <c>Reference/torch_optim.out</c>, produced by
/// <c>Reference/torch_optim.py</c> (PyTorch 1.13 with /usr/bin/python3; its SGD/Adam/AdamW update equations are 2.x's);
/// the section of that file is named at each array. Each optimizer runs four steps on the same fixed parameters
/// p1 [2, 3], p2 [3], p3 [2] with fixed gradients set on <c>Grad</c>: p2's gradient is null at step 3 and p3's always.
/// Float32 results must match to 1e-6 relative, Float64 ones to 1e-12.
/// </summary>
public class OptimTests
{
    // ---- the fixed problem of torch_optim.py --------------------------------------------------------

    private static readonly double[] P1 = [0.5, -1.0, 2.0, 0.0, 3.0, -0.25];
    private static readonly double[] P2 = [1.5, -2.5, 0.125];
    private static readonly double[] P3 = [4.0, -4.0];
    private static readonly double[][] G1 =
    [
        [0.1, -0.2, 0.3, 0.0, 1.0, -0.5],
        [-0.4, 0.25, 0.3, 2.0, -1.0, 0.0],
        [0.05, 0.05, -0.6, 0.5, 0.5, 0.75],
        [1.0, -1.0, 0.2, -0.3, 0.0, 0.1],
    ];
    private static readonly double[]?[] G2 = [[0.3, -0.1, 2.0], [-0.2, 0.6, 0.0], null, [1.0, 1.0, -1.0]];

    private static Tensor Make(double[] values, int[] shape, DType dtype) =>
        dtype == DType.Float64 ? Tensor.From(values, shape) : Tensor.From(Array.ConvertAll(values, v => (float)v), shape);

    private sealed record Run(Parameter P1, Parameter P2, Parameter P3, Optimizer Opt, List<double[]> P1Steps, List<double[]> P2Steps);

    /// <summary>The loop of torch_optim.py's run(): four steps, gradients set directly.</summary>
    private static Run Steps(Func<Parameter[], Optimizer> make, DType dtype = DType.Float32)
    {
        var p1 = new Parameter(Make(P1, [2, 3], dtype));
        var p2 = new Parameter(Make(P2, [3], dtype));
        var p3 = new Parameter(Make(P3, [2], dtype));
        var opt = make([p1, p2, p3]);
        var r = new Run(p1, p2, p3, opt, [], []);
        for (int k = 0; k < 4; k++)
        {
            p1.Grad = Make(G1[k], [2, 3], dtype);
            p2.Grad = G2[k] is { } g2 ? Make(g2, [3], dtype) : null;
            opt.Step();
            r.P1Steps.Add(p1.ToDoubleArray());
            r.P2Steps.Add(p2.ToDoubleArray());
        }
        return r;
    }

    private static void AssertRel(double[] expected, double[] actual, double rel, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= rel * Math.Abs(expected[i]) + 1e-300,
                        $"{what} element {i}: expected {expected[i]:R}, got {actual[i]:R} (relative error {Math.Abs(expected[i] - actual[i]) / Math.Abs(expected[i]):E2})");
    }

    private static void AssertSteps(float[][] p1, float[][] p2, Run r)
    {
        for (int k = 0; k < 4; k++)
        {
            AssertRel(Array.ConvertAll(p1[k], v => (double)v), r.P1Steps[k], 1e-6, $"p1 after step {k + 1}");
            AssertRel(Array.ConvertAll(p2[k], v => (double)v), r.P2Steps[k], 1e-6, $"p2 after step {k + 1}");
        }
        AssertNotMovedAndNoState(r);
    }

    private static void AssertSteps(double[][] p1, double[][] p2, Run r)
    {
        for (int k = 0; k < 4; k++)
        {
            AssertRel(p1[k], r.P1Steps[k], 1e-12, $"p1 after step {k + 1}");
            AssertRel(p2[k], r.P2Steps[k], 1e-12, $"p2 after step {k + 1}");
        }
        AssertNotMovedAndNoState(r);
    }

    /// <summary>torch_optim.out, every section: "p3 [4f, -4f] state keys []".</summary>
    private static void AssertNotMovedAndNoState(Run r)
    {
        Assert.Equal(P3, r.P3.ToDoubleArray());
        Assert.Equal(0, r.P3.Version);
        Assert.Null(r.Opt.StateOf(r.P3));
        Assert.NotNull(r.Opt.StateOf(r.P1));
    }

    // torch_optim.out, "## sgd lr=0.1 momentum=0.9 nesterov wd=0.1": p1 and p2 after steps 1..4
    private static readonly float[][] SgdNesterovP1 =
    [
        [0.471500009f, -0.943000019f, 1.90499997f, 0f, 2.75300002f, -0.150250003f],
        [0.526391506f, -0.948283017f, 1.77130497f, -0.379999995f, 2.785393f, -0.10487026f],
        [0.524535894f, -0.930507362f, 1.77546966f, -0.629779994f, 2.60140133f, -0.205888197f],
        [0.332137197f, -0.710864186f, 1.66942573f, -0.744036198f, 2.4564507f, -0.245336309f],
    ];
    private static readonly float[][] SgdNesterovP2 =
    [
        [1.4145f, -2.43350005f, -0.257375002f],
        [1.38917446f, -2.4729135f, -0.415497363f],
        [1.38917446f, -2.4729135f, -0.415497363f],
        [1.14471769f, -2.6193018f, -0.362229437f],
    ];
    // torch_optim.out, "## sgd lr=0.05 momentum=0.8 dampening=0.5": p1 and p2 after steps 1..4
    private static readonly float[][] SgdDampeningP1 =
    [
        [0.495000005f, -0.99000001f, 1.98500001f, 0f, 2.95000005f, -0.224999994f],
        [0.500999987f, -0.988250017f, 1.9655f, -0.0500000007f, 2.93499994f, -0.204999998f],
        [0.50454998f, -0.988099992f, 1.96490002f, -0.102499999f, 2.91050005f, -0.207749993f],
        [0.482389987f, -0.962979972f, 1.95941997f, -0.136999995f, 2.89090014f, -0.212449998f],
    ];
    private static readonly float[][] SgdDampeningP2 =
    [
        [1.48500001f, -2.49499989f, 0.0249999985f],
        [1.47800004f, -2.5059998f, -0.0550000034f],
        [1.47800004f, -2.5059998f, -0.0550000034f],
        [1.44740009f, -2.53979969f, -0.0940000117f],
    ];
    // torch_optim.out, "## sgd lr=0.1 plain": p1 and p2 after steps 1..4
    private static readonly float[][] SgdPlainP1 =
    [
        [0.49000001f, -0.980000019f, 1.97000003f, 0f, 2.9000001f, -0.200000003f],
        [0.530000031f, -1.005f, 1.94000006f, -0.200000003f, 3f, -0.200000003f],
        [0.525000036f, -1.00999999f, 2f, -0.25f, 2.95000005f, -0.275000006f],
        [0.425000042f, -0.909999967f, 1.98000002f, -0.219999999f, 2.95000005f, -0.284999996f],
    ];
    private static readonly float[][] SgdPlainP2 =
    [
        [1.47000003f, -2.49000001f, -0.075000003f],
        [1.49000001f, -2.54999995f, -0.075000003f],
        [1.49000001f, -2.54999995f, -0.075000003f],
        [1.38999999f, -2.64999986f, 0.0249999985f],
    ];
    // torch_optim.out, "## adam lr=0.1": p1 and p2 after steps 1..4
    private static readonly float[][] AdamP1 =
    [
        [0.400000006f, -0.899999976f, 1.89999998f, 0f, 2.9000001f, -0.150000006f],
        [0.45595035f, -0.916273177f, 1.79999995f, -0.0744136795f, 2.90526319f, -0.0829941779f],
        [0.491190821f, -0.938565373f, 1.80756485f, -0.145717368f, 2.88779068f, -0.107451856f],
        [0.448577374f, -0.888899148f, 1.79827189f, -0.195138574f, 2.87347817f, -0.13377659f],
    ];
    private static readonly float[][] AdamP2 =
    [
        [1.39999998f, -2.4000001f, 0.0250000134f],
        [1.38554788f, -2.46239185f, -0.0420058146f],
        [1.38554788f, -2.46239185f, -0.0420058146f],
        [1.32166123f, -2.54203153f, -0.0597325303f],
    ];
    // torch_optim.out, "## adam lr=0.05 betas=(0.8,0.95) eps=1e-6 wd=0.1": p1 and p2 after steps 1..4
    private static readonly float[][] AdamWdP1 =
    [
        [0.450000346f, -0.950000167f, 1.95000005f, 0f, 2.95000005f, -0.200000092f],
        [0.47374317f, -0.940037489f, 1.90002227f, -0.0387895331f, 2.94103837f, -0.166671753f],
        [0.481854737f, -0.928130507f, 1.88664222f, -0.0748547688f, 2.91836333f, -0.1815494f],
        [0.453278601f, -0.894232035f, 1.86271906f, -0.0973664671f, 2.89518642f, -0.196083322f],
    ];
    private static readonly float[][] AdamWdP2 =
    [
        [1.45000017f, -2.45000005f, 0.0750000253f],
        [1.42323613f, -2.45590901f, 0.0430141687f],
        [1.42323613f, -2.45590901f, 0.0430141687f],
        [1.38393664f, -2.48743367f, 0.0382248461f],
    ];
    // torch_optim.out, "## adamw lr=0.1 wd=0.1": p1 and p2 after steps 1..4
    private static readonly float[][] AdamWP1 =
    [
        [0.395000011f, -0.889999986f, 1.88f, 0f, 2.87000012f, -0.147500008f],
        [0.447000355f, -0.897373199f, 1.76119995f, -0.0744136795f, 2.84656334f, -0.0790191889f],
        [0.477770835f, -0.910691679f, 1.75115287f, -0.144973233f, 2.80062532f, -0.102686673f],
        [0.430379689f, -0.851918519f, 1.72434843f, -0.192944705f, 2.7583065f, -0.127984539f],
    ];
    private static readonly float[][] AdamWP2 =
    [
        [1.38499999f, -2.375f, 0.0237500146f],
        [1.35669792f, -2.41364169f, -0.0434933156f],
        [1.35669792f, -2.41364169f, -0.0434933156f],
        [1.27924418f, -2.46914506f, -0.0607850999f],
    ];
    // torch_optim.out, "## adamw lr=0.1 default wd": p1 and p2 after steps 1..4
    private static readonly float[][] AdamWDefaultP1 =
    [
        [0.399500012f, -0.899000049f, 1.898f, 0f, 2.89700007f, -0.149750024f],
        [0.455050856f, -0.914374232f, 1.79610205f, -0.0744136795f, 2.89936614f, -0.0825944543f],
        [0.489836276f, -0.935752094f, 1.80187082f, -0.145642951f, 2.87899423f, -0.106969543f],
        [0.446732998f, -0.885150135f, 1.79077601f, -0.194918513f, 2.86180282f, -0.133187309f],
    ];
    private static readonly float[][] AdamWDefaultP2 =
    [
        [1.39849997f, -2.39750004f, 0.024875015f],
        [1.38264942f, -2.45749426f, -0.0421556905f],
        [1.38264942f, -2.45749426f, -0.0421556905f],
        [1.31738019f, -2.53467655f, -0.0598402508f],
    ];
    // torch_optim.out, "## float64 adam lr=0.05 betas=(0.8,0.95) eps=1e-6 wd=0.1": p1 and p2 after steps 1..4
    private static readonly double[][] AdamWd64P1 =
    [
        [0.45000033333111111, -0.95000016666611109, 1.9500000999998, 0, 2.9500000384615088, -0.20000009523791384],
        [0.47374315437191045, -0.94003750544143949, 1.9000223088486021, -0.038789528593821523, 2.9410383753249425, -0.16667175141178281],
        [0.48185471912742622, -0.92813054220346958, 1.8866422751183016, -0.074854762686675985, 2.918363397038461, -0.18154939721880017],
        [0.45327857102718494, -0.89423205100054748, 1.862719105483071, -0.097366456501045751, 2.8951863846062404, -0.19608331521318315],
    ];
    private static readonly double[][] AdamWd64P2 =
    [
        [1.4500001111108642, -2.4500001428567346, 0.075000024844708149],
        [1.4232361118140011, -2.4559090675502926, 0.043014173129835617],
        [1.4232361118140011, -2.4559090675502926, 0.043014173129835617],
        [1.383936686919796, -2.4874336374354225, 0.038224851255494352],
    ];
    // torch_optim.out, "## float64 sgd lr=0.1 momentum=0.9 nesterov wd=0.1": p1 and p2 after steps 1..4
    private static readonly double[][] SgdNesterov64P1 =
    [
        [0.47149999999999997, -0.94299999999999995, 1.905, 0, 2.7530000000000001, -0.15024999999999999],
        [0.52639150000000001, -0.94828299999999999, 1.7713049999999999, -0.38, 2.785393, -0.10487024999999998],
        [0.52453591150000001, -0.93050732299999994, 1.7754697049999999, -0.62978000000000001, 2.6014012329999998, -0.20588819024999999],
        [0.33213722303150001, -0.71086412156299994, 1.6694257601049998, -0.74403618000000005, 2.4564505562729999, -0.24533629311024999],
    ];
    private static readonly double[][] SgdNesterov64P2 =
    [
        [1.4145000000000001, -2.4335, -0.25737500000000008],
        [1.3891745, -2.4729135000000002, -0.41549737500000011],
        [1.3891745, -2.4729135000000002, -0.41549737500000011],
        [1.1447177344999999, -2.6193017935, -0.36222943737500013],
    ];

    // ---- update equations vs PyTorch ----------------------------------------------------------------

    [Fact]
    public void SgdWithNesterovMomentumAndWeightDecayMatchesTorch()
    {
        var r = Steps(ps => new Sgd(ps, lr: 0.1f, momentum: 0.9f, weightDecay: 0.1f, nesterov: true));
        AssertSteps(SgdNesterovP1, SgdNesterovP2, r);
        // "p1 state {'momentum_buffer': ...}"
        AssertRel(Array.ConvertAll([0.968370378f, -1.22597921f, 0.758769393f, 1.672822f, 1.32151842f, 0.350077659f], v => (double)v),
                  r.Opt.StateOf(r.P1)!["momentum_buffer"].ToDoubleArray(), 1e-6, "p1 momentum_buffer");
        Assert.Equal(["momentum_buffer"], r.Opt.StateOf(r.P2)!.Keys);
    }

    [Fact]
    public void SgdWithDampeningMatchesTorch()
    {
        var r = Steps(ps => new Sgd(ps, lr: 0.05f, momentum: 0.8f, dampening: 0.5f));
        AssertSteps(SgdDampeningP1, SgdDampeningP2, r);
        // "p2 state {'momentum_buffer': '[0.611999989f, 0.675999999f, 0.780000091f]'}"
        AssertRel([0.611999989f, 0.675999999f, 0.780000091f], r.Opt.StateOf(r.P2)!["momentum_buffer"].ToDoubleArray(), 1e-6, "p2 momentum_buffer");
    }

    [Fact]
    public void PlainSgdMatchesTorchAndKeepsNoMomentumBuffer()
    {
        var r = Steps(ps => new Sgd(ps, lr: 0.1f));
        AssertSteps(SgdPlainP1, SgdPlainP2, r);
        Assert.Empty(r.Opt.StateOf(r.P1)!);   // 1.13 stores momentum_buffer None; 2.x stores nothing
    }

    [Fact]
    public void AdamMatchesTorchWithAPerParameterStepCount()
    {
        var r = Steps(ps => new Adam(ps, lr: 0.1f));
        AssertSteps(AdamP1, AdamP2, r);
        // "adam lr=0.1": p1 state step 4.0, p2 state step 3.0 (p2 had no gradient at step 3).
        var s1 = r.Opt.StateOf(r.P1)!;
        var s2 = r.Opt.StateOf(r.P2)!;
        Assert.Equal(["step", "exp_avg", "exp_avg_sq"], s1.Keys);
        Assert.Equal(4f, s1["step"].Item());
        Assert.Equal(3f, s2["step"].Item());
        AssertRel([0.0793900043f, -0.0898300037f, 0.0121699981f, 0.176999986f, 0.0368999951f, 0.041050002f],
                  s1["exp_avg"].ToDoubleArray(), 1e-6, "p1 exp_avg");
        AssertRel([0.00117214781f, 0.00110475277f, 0.00057919044f, 0.00433175452f, 0.002244754f, 0.000821188267f],
                  s1["exp_avg_sq"].ToDoubleArray(), 1e-6, "p1 exp_avg_sq");
        AssertRel([0.106300004f, 0.145900011f, 0.0619999841f], s2["exp_avg"].ToDoubleArray(), 1e-6, "p2 exp_avg");
    }

    [Fact]
    public void AdamWithWeightDecayBetasAndEpsMatchesTorch()
    {
        var r = Steps(ps => new Adam(ps, lr: 0.05f, beta1: 0.8f, beta2: 0.95f, eps: 1e-6f, weightDecay: 0.1f));
        AssertSteps(AdamWdP1, AdamWdP2, r);
        // "p2 state {... 'exp_avg_sq': '[0.0745266601f, 0.0399706513f, 0.23233676f]' ...}"
        AssertRel([0.0745266601f, 0.0399706513f, 0.23233676f], r.Opt.StateOf(r.P2)!["exp_avg_sq"].ToDoubleArray(), 1e-6, "p2 exp_avg_sq");
    }

    [Fact]
    public void AdamWMatchesTorch()
    {
        var r = Steps(ps => new AdamW(ps, lr: 0.1f, weightDecay: 0.1f));
        AssertSteps(AdamWP1, AdamWP2, r);
        // Decoupled decay leaves the moments as plain Adam's: "adamw lr=0.1 wd=0.1" p1 exp_avg equals "adam lr=0.1"'s.
        AssertRel([0.0793900043f, -0.0898300037f, 0.0121699981f, 0.176999986f, 0.0368999951f, 0.041050002f],
                  r.Opt.StateOf(r.P1)!["exp_avg"].ToDoubleArray(), 1e-6, "p1 exp_avg");
    }

    [Fact]
    public void AdamWDefaultWeightDecayIsOneHundredthAsInTorch()
    {
        var r = Steps(ps => new AdamW(ps, lr: 0.1f));
        Assert.Equal(1e-2f, ((AdamW)r.Opt).WeightDecay);
        AssertSteps(AdamWDefaultP1, AdamWDefaultP2, r);
    }

    [Fact]
    public void Float64ParametersAreUpdatedInFloat64()
    {
        AssertSteps(AdamWd64P1, AdamWd64P2, Steps(ps => new Adam(ps, lr: 0.05f, beta1: 0.8f, beta2: 0.95f, eps: 1e-6f, weightDecay: 0.1f), DType.Float64));
        AssertSteps(SgdNesterov64P1, SgdNesterov64P2, Steps(ps => new Sgd(ps, lr: 0.1f, momentum: 0.9f, weightDecay: 0.1f, nesterov: true), DType.Float64));
    }

    // ---- skipping, zeroing, state -------------------------------------------------------------------

    [Fact]
    public void AParameterWhoseGradIsNullIsNotMovedAndGetsNoState()
    {
        // PyTorch 2.x: "Step skips every parameter whose Grad is null" — for every optimizer, with decay and momentum on.
        var makers = new Func<Parameter[], Optimizer>[]
        {
            ps => new Sgd(ps, lr: 0.1f, momentum: 0.9f, weightDecay: 0.5f),
            ps => new Adam(ps, lr: 0.1f, weightDecay: 0.5f),
            ps => new AdamW(ps, lr: 0.1f, weightDecay: 0.5f),
        };
        foreach (var make in makers)
        {
            var moved = new Parameter(Tensor.From([1f, 2f]));
            var idle = new Parameter(Tensor.From([3f, 4f]));
            var opt = make([moved, idle]);
            moved.Grad = Tensor.From([0.5f, -0.5f]);
            opt.Step();
            opt.Step();
            Assert.Equal([3f, 4f], idle.ToArray());
            Assert.Equal(0, idle.Version);
            Assert.Null(opt.StateOf(idle));
            Assert.NotEqual([1f, 2f], moved.ToArray());
        }
    }

    [Fact]
    public void AFrozenParameterWithAStaleGradIsStillUpdatedAsInTorch()
    {
        // PyTorch 2.x checks only `p.grad is not None`, not requires_grad.
        var p = new Parameter(Tensor.From([1f, 2f]));
        var opt = new Sgd([p], lr: 1f);
        p.Grad = Tensor.From([1f, 1f]);
        p.RequiresGrad = false;
        opt.Step();
        Assert.Equal([0f, 1f], p.ToArray());
    }

    [Fact]
    public void ZeroGradTrueSetsNullAndFalseZerosInPlace()
    {
        var a = new Parameter(Tensor.From([1f, 2f]));
        var frozen = new Parameter(Tensor.From([3f]), requiresGrad: false);
        var opt = new Adam([a, frozen]);
        (a * a).Sum().Backward();
        var accumulator = a.Grad!;
        frozen.Grad = Tensor.From([7f]);

        opt.ZeroGrad(setToNone: false);
        Assert.Same(accumulator, a.Grad);             // the accumulator itself, zeroed in place
        Assert.Equal([0f, 0f], a.Grad!.ToArray());
        Assert.Equal([0f], frozen.Grad!.ToArray());   // frozen parameters are cleared too

        opt.ZeroGrad();                               // default: setToNone = true (PyTorch 2.x)
        Assert.Null(a.Grad);
        Assert.Null(frozen.Grad);
        opt.ZeroGrad(false);                          // nothing to zero: stays null
        Assert.Null(a.Grad);
    }

    [Fact]
    public void ZeroGradFalseDetachesAGradientThatHasAHistory()
    {
        var a = new Parameter(Tensor.From([1f, 2f]));
        (a * a * a).Sum().Backward(createGraph: true);
        Assert.NotNull(a.Grad!.GradFn);
        new Sgd([a], lr: 0.1f).ZeroGrad(setToNone: false);
        Assert.Null(a.Grad!.GradFn);
        Assert.False(a.Grad.RequiresGrad);
        Assert.Equal([0f, 0f], a.Grad.ToArray());
    }

    // ---- seed 000: detach + Adam weight decay, in miniature ------------------------------------------

    private sealed class TestDetach : Module
    {
        public Linear Layer1 { get; }
        public Linear Layer2 { get; }
        public bool DetachLayer1 { get; set; }

        public TestDetach()
        {
            Layer1 = RegisterModule("layer1", new Linear(4, 3, bias: false));
            Layer2 = RegisterModule("layer2", new Linear(3, 2, bias: false));
            using (Autograd.NoGrad())
            {
                Layer1.Weight.Copy_(Tensor.From(new float[,] { { 0.1f, -0.2f, 0.3f, 0.05f }, { -0.3f, 0.2f, 0.1f, -0.1f }, { 0.25f, 0.15f, -0.05f, 0.2f } }));
                Layer2.Weight.Copy_(Tensor.From(new float[,] { { 0.2f, -0.1f, 0.3f }, { -0.25f, 0.3f, 0.1f } }));
            }
        }

        public override Tensor Forward(Tensor x)
        {
            var h = Layer1.Forward(x).Relu();
            if (DetachLayer1) h = h.Detach();
            return Layer2.Forward(h);
        }
    }

    // torch_optim.out, "seed000 miniature": layer1.weight after epoch 0 (same for both settings) and after epoch 1.
    private static readonly float[] Layer1AfterEpoch0 =
        [1.09999955f, 0.799999774f, -0.699999869f, -0.949999869f, 0.699999928f, -0.799998522f, 1.09999871f, 0.899999917f, -0.749999881f, -0.849999785f, -1.049999f, -0.799999952f];
    private static readonly float[] Layer1AfterEpoch1ZerosGrad =
        [0.382032752f, 0.228054881f, -0.519224405f, -0.416284919f, 0.202461123f, -0.0673639178f, 0.366131783f, 0.303275108f, -0.137648523f, -0.250388503f, -0.319369256f, -0.245635569f];
    private static readonly float[] Layer2AfterEpoch1 =
        [-0.17081964f, -0.390067577f, -0.123148441f, 0.141717553f, -0.105405986f, -0.354034543f];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Seed000_DetachedLayerMovesOnlyWhenZeroGradLeavesZeros(bool setToNone)
    {
        // The seed's experiment: Adam(lr=1, weight_decay=0.5); epoch 0 trains both layers, epoch 1 detaches layer1's output.
        var model = new TestDetach();
        var opt = new Adam(model.Parameters(), lr: 1f, weightDecay: 0.5f);
        var x = Tensor.From(new float[,] { { 1f, 0.5f, -0.5f, 2f }, { -1f, 1.5f, 0.5f, 0f }, { 0.3f, -0.7f, 1.2f, 0.4f }, { 2f, 0.1f, -0.3f, -1f }, { 0f, 1f, 1f, 1f } });
        var y = Tensor.From([0L, 1L, 1L, 0L, 1L]);
        var lossFn = new CrossEntropyLoss();

        var loss = lossFn.Forward(model.Forward(x), y);
        AssertRel([0.677254736], [loss.ItemDouble()], 1e-6, "epoch 0 loss");          // "epoch 0 loss 0.677254736"
        loss.Backward();
        Assert.NotNull(model.Layer1.Weight.Grad);
        opt.Step();
        AssertRel(Array.ConvertAll(Layer1AfterEpoch0, v => (double)v), model.Layer1.Weight.ToDoubleArray(), 1e-6, "layer1 after epoch 0");
        opt.ZeroGrad(setToNone);

        model.DetachLayer1 = true;
        loss = lossFn.Forward(model.Forward(x), y);
        AssertRel([1.5833199], [loss.ItemDouble()], 1e-6, "epoch 1 loss");             // "epoch 1 loss 1.5833199"
        loss.Backward();
        var before = model.Layer1.Weight.ToArray();
        opt.Step();
        if (setToNone)
        {
            // 2.x: "epoch 1 ... layer1.grad None" and layer1 unchanged; Adam's state for it stays at step 1.
            Assert.Null(model.Layer1.Weight.Grad);
            Assert.Equal(before, model.Layer1.Weight.ToArray());
            Assert.Equal(1f, opt.StateOf(model.Layer1.Weight)!["step"].Item());
        }
        else
        {
            // 1.x's default: a zero gradient, and weight decay + momentum still move the detached layer.
            Assert.Equal(new float[12], model.Layer1.Weight.Grad!.ToArray());
            AssertRel(Array.ConvertAll(Layer1AfterEpoch1ZerosGrad, v => (double)v), model.Layer1.Weight.ToDoubleArray(), 1e-6, "layer1 after epoch 1");
            Assert.Equal(2f, opt.StateOf(model.Layer1.Weight)!["step"].Item());
        }
        AssertRel(Array.ConvertAll(Layer2AfterEpoch1, v => (double)v), model.Layer2.Weight.ToDoubleArray(), 1e-6, "layer2 after epoch 1");
    }

    // ---- steps are tracked in-place writes -----------------------------------------------------------

    [Fact]
    public void StepAfterAForwardThatSavedAParameterMakesBackwardFail()
    {
        // PyTorch: loss = (w * w).sum(); opt.step(); loss.backward() -> "one of the variables needed for gradient
        // computation has been modified by an inplace operation: [torch.FloatTensor [2]] is at version 1; expected version 0".
        var w = new Parameter(Tensor.From([1f, 2f]));
        var opt = new Sgd([w], lr: 0.1f);
        var loss = (w * w).Sum();                // MulBackward0 saves w (version 0)
        w.Grad = Tensor.From([1f, 1f]);          // a gradient from elsewhere
        opt.Step();
        Assert.Equal(1, w.Version);
        var e = Assert.Throws<VersionMismatchException>(() => loss.Backward());
        Assert.Equal(0, e.SavedVersion);
        Assert.Equal(1, e.CurrentVersion);
        Assert.Contains("is at version 1; expected version 0 instead", e.Message);

        // The same through a module: forward, step, then backward of the stale graph.
        var lin = new Linear(3, 2, gen: new Generator(1));
        var adam = new Adam(lin.Parameters(), lr: 0.01f);
        var x = Tensor.From([1f, 2f, 3f], [1, 3], requiresGrad: true);   // an input that requires grad: Addmm saves the weight
        var y = lin.Forward(x).Sum();
        y.Backward(retainGraph: true);
        adam.Step();
        Assert.Throws<VersionMismatchException>(() => y.Backward());
    }

    [Fact]
    public void StepRunsUnderNoGradAndLeavesParametersLeaves()
    {
        var p = new Parameter(Tensor.From([1f, 2f]));
        var opt = new AdamW([p], lr: 0.1f);
        p.Grad = Tensor.From([1f, -1f]);
        Assert.True(Autograd.IsGradEnabled);
        opt.Step();
        Assert.True(Autograd.IsGradEnabled);      // restored
        Assert.True(p.IsLeaf);
        Assert.True(p.RequiresGrad);
        Assert.False(p.IsSuperseded);
        Assert.Equal(2, p.Version);               // AdamW: param.mul_(1 - lr*wd), then param.addcdiv_(...)
        new Adam([p], lr: 0.1f).Step();
        Assert.Equal(3, p.Version);               // Adam: one addcdiv_
    }

    [Fact]
    public void LearningRateCanChangeBetweenSteps()
    {
        var p = new Parameter(Tensor.From([1f]));
        var opt = new Sgd([p], lr: 1f);
        p.Grad = Tensor.From([1f]);
        opt.Step();
        opt.Lr = 0.5f;
        opt.Step();
        Assert.Equal([-0.5f], p.ToArray());
    }

    [Fact]
    public void InvalidHyperparametersAreRefusedWithTorchsWording()
    {
        var p = new Parameter(Tensor.From([1f]));
        Assert.Contains("Invalid learning rate: -1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], lr: -1f)).Message);
        Assert.Contains("Nesterov momentum requires a momentum and zero dampening",
                        Assert.Throws<ArgumentException>(() => new Sgd([p], lr: 0.1f, nesterov: true)).Message);
        Assert.Contains("Nesterov momentum requires a momentum and zero dampening",
                        Assert.Throws<ArgumentException>(() => new Sgd([p], lr: 0.1f, momentum: 0.9f, dampening: 0.1f, nesterov: true)).Message);
        Assert.Contains("Invalid beta parameter at index 1: 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], beta2: 1f)).Message);
        Assert.Contains("Invalid epsilon value", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([p], eps: -1f)).Message);
        Assert.Contains("Invalid weight_decay value", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], weightDecay: -0.1f)).Message);
        Assert.Contains("optimizer got an empty parameter list", Assert.Throws<ArgumentException>(() => new Adam([])).Message);
        Assert.Contains("duplicate parameters", Assert.Throws<ArgumentException>(() => new Sgd([p, p], lr: 0.1f)).Message);
    }
}
