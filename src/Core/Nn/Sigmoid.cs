namespace Functional.Nn;

/// <summary>Applies 1 / (1 + e^-x) elementwise (<c>torch.nn.Sigmoid</c>); no parameters.</summary>
public sealed class Sigmoid : Module
{
    /// <summary><c>x.Sigmoid()</c>.</summary>
    public override Tensor Forward(Tensor x) => (x ?? throw new ArgumentNullException(nameof(x))).Sigmoid();
}
