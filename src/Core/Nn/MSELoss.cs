namespace Functional.Nn;

/// <summary>
/// Mean squared error <c>mean((input - target)²)</c> (<c>torch.nn.MSELoss()</c>), via <see cref="Tensor.MseLoss"/>. The
/// shapes must be equal (PyTorch warns and broadcasts; this refuses).
/// </summary>
public sealed class MSELoss : Loss
{
    /// <summary>The mean of the squared differences; differentiable in both arguments.</summary>
    public override Tensor Forward(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MseLoss(target);
    }
}
