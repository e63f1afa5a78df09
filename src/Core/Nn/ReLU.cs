namespace Functional.Nn;

/// <summary>Applies max(x, 0) elementwise (<c>torch.nn.ReLU</c>); no parameters.</summary>
public sealed class ReLU : Module
{
    /// <summary><c>x.Relu()</c>.</summary>
    public override Tensor Forward(Tensor x) => (x ?? throw new ArgumentNullException(nameof(x))).Relu();
}
