using System.Runtime.CompilerServices;

namespace Functional;

// Pointwise math and activations: exp log sqrt abs sigmoid tanh relu softsign, each a declaration next to its method
// (Note [Op Declarations]). Each rule is written with Tensor ops, so under createGraph it records its own graph
// (higher derivatives); masks are constants.
public partial class Tensor
{
    /// <summary>Elementwise e^x (<c>torch.exp</c>).</summary>
    public Tensor Exp(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        ExpOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp ExpOp = new("ExpBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Exp), Saves.Result,
        static (g, s) => g * s.Result);

    /// <summary>Elementwise natural logarithm (<c>torch.log</c>).</summary>
    public Tensor Log(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        LogOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp LogOp = new("LogBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Log), Saves.Self,
        static (g, s) => g / s.Self);

    /// <summary>Elementwise square root (<c>torch.sqrt</c>).</summary>
    public Tensor Sqrt(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        SqrtOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp SqrtOp = new("SqrtBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Sqrt), Saves.Result,
        static (g, s) => g / (s.Result * 2f));

    /// <summary>Elementwise absolute value (<c>torch.abs</c>); its gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Abs(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        AbsOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp AbsOp = new("AbsBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Abs), Saves.Self,
        static (g, s) => g * s.Self.Backend.Unary(s.Self, UnaryKernel.Sign));

    /// <summary>Elementwise logistic sigmoid 1/(1+e^-x) (<c>torch.sigmoid</c>).</summary>
    public Tensor Sigmoid(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        SigmoidOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp SigmoidOp = new("SigmoidBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Sigmoid), Saves.Result,
        static (g, s) => g * (s.Result * (1f - s.Result)));

    /// <summary>Elementwise hyperbolic tangent (<c>torch.tanh</c>).</summary>
    public Tensor Tanh(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        TanhOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp TanhOp = new("TanhBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Tanh), Saves.Result,
        static (g, s) => g * (1f - s.Result * s.Result));

    /// <summary>Elementwise max(x, 0) (<c>torch.relu</c>); its gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Relu(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        ReluOp.Apply(this, site: new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp ReluOp = new("ReluBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Relu), Saves.Result,
        // A first derivative takes the fused kernel; under createGraph the mask is a constant factor, so g stays differentiable.
        static (g, s) => g.RequiresGrad ? g * s.Result.Backend.Compare(s.Result, 0, CompareKernel.Gt) : g.Backend.ReluGrad(g, s.Result));

    /// <summary>Elementwise x / (1 + |x|) (<c>torch.nn.functional.softsign</c>). Recorded as one node, SoftsignBackward0
    /// (PyTorch composes it from abs, add and div and records those).</summary>
    public Tensor Softsign() => SoftsignOp.Apply(this);
    internal static readonly UnaryOp SoftsignOp = new("SoftsignBackward0",
        static (x, _) =>
        {
            if (!x.DType.IsFloatingPoint()) throw DTypeMismatchException.NotForInt64("Softsign", x);
            var k = x.Backend;
            return k.Binary(x, k.Scalar(k.Unary(x, UnaryKernel.Abs), 1, BinaryKernel.Add, false), BinaryKernel.Div, x._shape);
        },
        Saves.Self, static (g, s) => g / (1f + s.Self.Abs()).Pow(2f));

    /// <summary>Replaces elements where <paramref name="mask"/> (a 0/1 constant of the result's shape) is 1 with
    /// <paramref name="value"/>; those elements get no gradient.</summary>
    internal Tensor MaskedFill(Tensor mask, float value)
    {
        var keep = 1f - mask;   // constant: mask never requires grad
        return Graph.Record(Backend.MaskedFill(this, mask, value), "MaskedFillBackward0", [this], (g, _) => [g * keep]);
    }
}
