namespace Functional.Nn;

/// <summary>
/// Cross-entropy of logits against class indices, averaged over the batch (<c>torch.nn.CrossEntropyLoss()</c>):
/// <see cref="Tensor.CrossEntropy"/>, i.e. <c>LogSoftmax</c> then <c>NllLoss</c>.
/// </summary>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary><paramref name="input"/> is [N, C] (or [C]) logits, <paramref name="target"/> [N] (or 0-d) Int64 class indices.</summary>
    public override Tensor Forward(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.CrossEntropy(target);
    }
}
