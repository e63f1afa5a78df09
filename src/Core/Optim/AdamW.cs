using Functional.Nn;

namespace Functional.Optim;

/// <summary>
/// Adam with decoupled weight decay (<c>torch.optim.AdamW</c>, PyTorch 2.x's update): each step first shrinks the
/// parameter, <c>p = p * (1 - lr * weightDecay)</c>, then applies <see cref="Adam"/>'s update with the plain gradient.
/// The decay is a separate tracked write, so a step bumps the parameter's version by 2 when weightDecay is not 0 (as in PyTorch).
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW over <paramref name="ps"/> (<c>AdamW(params, lr, betas=(beta1, beta2), eps, weight_decay=1e-2)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">lr, eps or weightDecay is negative, or a beta is outside [0, 1).</exception>
    public AdamW(IEnumerable<Parameter> ps, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 1e-2f)
        : base(ps, lr, beta1, beta2, eps, weightDecay, decoupled: true)
    {
    }
}
