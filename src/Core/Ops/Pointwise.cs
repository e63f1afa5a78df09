using System.Runtime.CompilerServices;

namespace Functional;

// Pointwise math and activations: exp log sqrt abs sigmoid tanh relu. Each rule is written with Tensor ops,
// so under createGraph it records its own graph (higher derivatives); masks are constants.
public partial class Tensor
{
    /// <summary>Elementwise e^x (<c>torch.exp</c>).</summary>
    public Tensor Exp(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Exp), "ExpBackward0", [this], static (g, s) => [g * s.Output], saveOutput: true);

    /// <summary>Elementwise natural logarithm (<c>torch.log</c>).</summary>
    public Tensor Log(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Log), "LogBackward0", [this], static (g, s) => [g / s[0]], save: [this]);

    /// <summary>Elementwise square root (<c>torch.sqrt</c>).</summary>
    public Tensor Sqrt(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Sqrt), "SqrtBackward0", [this], static (g, s) => [g / (s.Output * 2f)], saveOutput: true);

    /// <summary>Elementwise absolute value (<c>torch.abs</c>); its gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Abs(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Abs), "AbsBackward0", [this], static (g, s) => [g * s[0].Backend.Unary(s[0], UnaryOp.Sign)], save: [this]);

    /// <summary>Elementwise logistic sigmoid 1/(1+e^-x) (<c>torch.sigmoid</c>).</summary>
    public Tensor Sigmoid(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Sigmoid), "SigmoidBackward0", [this],
            static (g, s) => [g * (s.Output * (1f - s.Output))], saveOutput: true);

    /// <summary>Elementwise hyperbolic tangent (<c>torch.tanh</c>).</summary>
    public Tensor Tanh(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Tanh), "TanhBackward0", [this],
            static (g, s) => [g * (1f - s.Output * s.Output)], saveOutput: true);

    /// <summary>Elementwise max(x, 0) (<c>torch.relu</c>); its gradient at 0 is 0, as in PyTorch.</summary>
    public Tensor Relu(
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Unary(this, UnaryOp.Relu), "ReluBackward0", [this],
            static (g, s) => [g.RequiresGrad ? g * s.Output.Backend.Compare(s.Output, 0, CompareOp.Gt) : g.Backend.ReluGrad(g, s.Output)],
            saveOutput: true);

    /// <summary>Replaces elements where <paramref name="mask"/> (a 0/1 constant of the result's shape) is 1 with
    /// <paramref name="value"/>; those elements get no gradient.</summary>
    internal Tensor MaskedFill(Tensor mask, float value)
    {
        var keep = 1f - mask;   // constant: mask never requires grad
        return Graph.Record(Backend.MaskedFill(this, mask, value), "MaskedFillBackward0", [this], (g, _) => [g * keep]);
    }
}
