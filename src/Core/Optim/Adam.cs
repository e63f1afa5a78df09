using System.Numerics;
using System.Numerics.Tensors;
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

    /// <inheritdoc/>
    protected override void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state)
    {
        if (p.DType == DType.Float64) Update<double>(p, grad, state);
        else Update<float>(p, grad, state);
    }

    private void Update<T>(Parameter p, Tensor grad, Dictionary<string, Tensor> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        static T S(double v) => T.CreateTruncating(v);
        double lr = AsDecimal(Lr), beta1 = AsDecimal(Beta1), beta2 = AsDecimal(Beta2), eps = AsDecimal(Eps), wd = AsDecimal(WeightDecay);
        if (!state.TryGetValue("step", out var stepT))
        {
            state["step"] = stepT = Tensor.Scalar(0f);
            state["exp_avg"] = Tensor.ZerosLike(p);
            state["exp_avg_sq"] = Tensor.ZerosLike(p);
        }
        stepT.Add_(1f);
        double step = stepT.ItemDouble();
        if (Decoupled && wd != 0)
        {
            var decayed = new T[p.NumElements];
            TensorPrimitives.Multiply(Read<T>(p), S(1 - lr * wd), decayed);   // param.mul_(1 - lr * weight_decay)
            p.Copy_(Wrap(decayed, p));
        }
        var g = Read<T>(grad);
        int n = g.Length;
        if (!Decoupled && wd != 0)
        {
            var d = new T[n];
            TensorPrimitives.MultiplyAdd(Read<T>(p), S(wd), g, d);            // grad = grad.add(param, alpha=weight_decay)
            g = d;
        }
        var m = Writable<T>(state["exp_avg"]);
        var v = Writable<T>(state["exp_avg_sq"]);
        TensorPrimitives.Multiply(m, S(beta1), m);                            // exp_avg.mul_(beta1)
        TensorPrimitives.MultiplyAdd(g, S(1 - beta1), m, m);                 //        .add_(grad, alpha=1 - beta1)
        var tmp = new T[n];
        TensorPrimitives.Multiply(g, S(1 - beta2), tmp);                      // exp_avg_sq.mul_(beta2)
        TensorPrimitives.Multiply(tmp, g, tmp);                               //           .addcmul_(grad, grad, value=1 - beta2)
        TensorPrimitives.Multiply(v, S(beta2), v);
        TensorPrimitives.Add(v, tmp, v);
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        var denom = new T[n];
        TensorPrimitives.Sqrt<T>(v, denom);                                   // (exp_avg_sq.sqrt() / sqrt(bias_correction2))
        TensorPrimitives.Divide(denom, S(Math.Sqrt(biasCorrection2)), denom);
        TensorPrimitives.Add(denom, S(eps), denom);                           //   .add_(eps)
        TensorPrimitives.Multiply(m, S(-stepSize), tmp);                      // param.addcdiv_(exp_avg, denom, value=-step_size)
        TensorPrimitives.Divide(tmp, denom, tmp);
        p.Add_(Wrap(tmp, p));
    }
}
