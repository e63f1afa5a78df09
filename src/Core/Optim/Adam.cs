using Functional.Nn;

namespace Functional.Optim;

/// <summary>
/// Adam with coupled (L2) weight decay (<c>torch.optim.Adam</c>, PyTorch 2.x's update). For each parameter with a
/// gradient, with its own step count t:
/// <code>
/// g = grad + weightDecay * p
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g * g
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// </code>
/// State: <c>step</c> (a 0-d Float32 tensor), <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v).
/// </summary>
public class Adam : Optimizer
{
    private float _lr;

    /// <summary>Adam over <paramref name="ps"/> (<c>Adam(params, lr, betas=(beta1, beta2), eps, weight_decay)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">lr, eps or weightDecay is negative, or a beta is outside [0, 1).</exception>
    public Adam(IEnumerable<Parameter> ps, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0)
        : this(ps, lr, beta1, beta2, eps, weightDecay, decoupled: false)
    {
    }

    private protected Adam(IEnumerable<Parameter> ps, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled)
        : base(ps)
    {
        Lr = lr;
        Beta1 = beta1 >= 0 && beta1 < 1 ? beta1 : throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"Invalid beta parameter at index 0: {beta1}. It must be in [0, 1).");
        Beta2 = beta2 >= 0 && beta2 < 1 ? beta2 : throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"Invalid beta parameter at index 1: {beta2}. It must be in [0, 1).");
        Eps = NonNegative(eps, "epsilon value", nameof(eps));
        WeightDecay = NonNegative(weightDecay, "weight_decay value", nameof(weightDecay));
        Decoupled = decoupled;
    }

    /// <summary>The learning rate (<c>lr</c>); settable between steps, e.g. by a schedule.</summary>
    public float Lr { get => _lr; set => _lr = NonNegative(value, "learning rate", nameof(Lr)); }

    /// <summary>The decay rate of the first moment (<c>betas[0]</c>).</summary>
    public float Beta1 { get; }

    /// <summary>The decay rate of the second moment (<c>betas[1]</c>).</summary>
    public float Beta2 { get; }

    /// <summary>The term added to the denominator for stability (<c>eps</c>).</summary>
    public float Eps { get; }

    /// <summary>The weight decay (<c>weight_decay</c>): added to the gradient for Adam, applied to the parameter for AdamW.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether weight decay is decoupled from the gradient (AdamW) rather than added to it (Adam).</summary>
    public bool Decoupled { get; }

    private protected override IReadOnlyCollection<string> StateKeys { get; } = ["step", "exp_avg", "exp_avg_sq"];

    private protected override string? ZeroGradMotion(Parameter p, IReadOnlyDictionary<string, Tensor>? state)
    {
        var what = new List<string>();
        if (state is not null && state.TryGetValue("exp_avg", out var m) && m.ToDoubleArray().Any(v => v != 0)) what.Add("momentum (exp_avg)");
        if (WeightDecay != 0) what.Add($"weight decay ({WeightDecay})");
        return what.Count == 0 ? null : string.Join(" and ", what);
    }

    /// <inheritdoc/>
    protected override void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state)
    {
        if (!state.TryGetValue("step", out var stepT))
        {
            state["step"] = stepT = Tensor.Scalar(0f);
            state["exp_avg"] = Tensor.ZerosLike(p);
            state["exp_avg_sq"] = Tensor.ZerosLike(p);
        }
        stepT.Add_(1f);
        var h = new AdamHyper(AsDecimal(Beta1), AsDecimal(Beta2), AsDecimal(Eps), AsDecimal(Lr), AsDecimal(WeightDecay), Decoupled, stepT.ItemDouble());
        Tensor m = state["exp_avg"], v = state["exp_avg_sq"];
        m.MarkWritten();
        v.MarkWritten();
        if (p.IsContiguous)
        {
            p.MarkWritten();
            p.Backend.AdamUpdate(p, grad, m, v, h);
        }
        else
        {
            var values = p.Backend.Contiguous(p);
            values.Backend.AdamUpdate(values, grad, m, v, h);
            p.Copy_(values);
        }
        if (Decoupled && h.WeightDecay != 0) p.MarkWritten();   // PyTorch's AdamW writes the parameter twice: mul_, then addcdiv_
    }
}
