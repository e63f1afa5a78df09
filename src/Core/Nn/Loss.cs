namespace Functional.Nn;

/// <summary>
/// The base of the loss modules (<see cref="CrossEntropyLoss"/>, <see cref="MSELoss"/>): a function of a prediction and
/// a target, returning a 0-d tensor (mean reduction, PyTorch's default). PyTorch's losses are <c>nn.Module</c>s with a
/// two-argument <c>forward</c>; here they are a separate kind, since <see cref="Module.Forward"/> takes one tensor and a
/// loss has no parameters or training mode.
/// </summary>
public abstract class Loss
{
    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (<c>loss_fn(input, target)</c>).</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>The PyTorch repr, e.g. <c>MSELoss()</c>.</summary>
    public override string ToString() => GetType().Name + "()";
}
