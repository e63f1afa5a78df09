using Functional.Nn;

namespace Functional.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and (coupled) weight decay
/// (<c>torch.optim.SGD</c>, PyTorch 2.x's update):
/// <code>
/// g = grad + weightDecay * p
/// if momentum != 0:
///     buf = g                                          (first step: the buffer starts as a copy of g)
///     buf = momentum * buf + (1 - dampening) * g       (later steps)
///     g = nesterov ? g + momentum * buf : buf
/// p = p - lr * g
/// </code>
/// State: <c>momentum_buffer</c> (only when momentum is not 0).
/// </summary>
public sealed class Sgd : Optimizer
{
    private float _lr;

    /// <summary>SGD over <paramref name="ps"/> (<c>SGD(params, lr, momentum, dampening, weight_decay, nesterov)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is negative or not finite.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum, or with dampening.</exception>
    public Sgd(IEnumerable<Parameter> ps, float lr, float momentum = 0, float dampening = 0, float weightDecay = 0, bool nesterov = false)
        : base(ps)
    {
        Lr = lr;
        Momentum = NonNegative(momentum, "momentum value", nameof(momentum));
        Dampening = float.IsFinite(dampening) ? dampening : throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Invalid dampening value.");
        WeightDecay = NonNegative(weightDecay, "weight_decay value", nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires a momentum and zero dampening (got momentum={momentum}, dampening={dampening}).", nameof(nesterov));
        Nesterov = nesterov;
    }

    /// <summary>The learning rate (<c>lr</c>); settable between steps, e.g. by a schedule.</summary>
    public float Lr { get => _lr; set => _lr = NonNegative(value, "learning rate", nameof(Lr)); }

    /// <summary>The momentum factor (<c>momentum</c>).</summary>
    public float Momentum { get; }

    /// <summary>The dampening of the momentum (<c>dampening</c>).</summary>
    public float Dampening { get; }

    /// <summary>The L2 penalty added to the gradient (<c>weight_decay</c>).</summary>
    public float WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used (<c>nesterov</c>).</summary>
    public bool Nesterov { get; }

    private protected override IReadOnlyCollection<string> StateKeys => Momentum != 0 ? ["momentum_buffer"] : [];

    private protected override string? ZeroGradMotion(Parameter p, IReadOnlyDictionary<string, Tensor>? state)
    {
        var what = new List<string>();
        if (WeightDecay != 0) what.Add($"weight decay ({WeightDecay})");
        if (state is not null && state.TryGetValue("momentum_buffer", out var buf) && buf.ToDoubleArray().Any(v => v != 0)) what.Add("momentum");
        return what.Count == 0 ? null : string.Join(" and ", what);
    }

    /// <inheritdoc/>
    protected override void Update(Parameter p, Tensor grad, Dictionary<string, Tensor> state)
    {
        var h = new SgdHyper(AsDecimal(Lr), AsDecimal(Momentum), AsDecimal(Dampening), AsDecimal(WeightDecay), Nesterov);
        Tensor? buffer = null;
        if (h.Momentum != 0 && state.TryGetValue("momentum_buffer", out var b)) (buffer = b).MarkWritten();
        var delta = p.Backend.SgdDirection(p, grad, ref buffer, h);
        if (h.Momentum != 0) state["momentum_buffer"] = buffer!;
        p.Add_(delta);                                                          // param.add_(d_p, alpha=-lr)
    }
}
