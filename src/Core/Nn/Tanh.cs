namespace Functional.Nn;

/// <summary>Applies tanh(x) elementwise (<c>torch.nn.Tanh</c>); no parameters.</summary>
public sealed class Tanh : Module
{
    /// <summary><c>x.Tanh()</c>.</summary>
    public override Tensor Forward(Tensor x) => (x ?? throw new ArgumentNullException(nameof(x))).Tanh();
}
