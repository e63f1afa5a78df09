namespace Functional;

// Classification losses on Int64 class targets, mean reduction (PyTorch's defaults).
public partial class Tensor
{
    /// <summary>
    /// Negative log-likelihood of log-probabilities (<c>torch.nn.functional.nll_loss</c>, mean reduction): this is
    /// [N, C] (or [C]) log-probabilities, <paramref name="target"/> is [N] (or 0-d) Int64 class indices.
    /// </summary>
    public Tensor NllLoss(Tensor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.DType != DType.Int64)
            throw new DTypeMismatchException($"NllLoss: expected target of dtype Int64 (class indices), got {target.Describe()}.");
        if (!DType.IsFloatingPoint())
            throw new DTypeMismatchException($"NllLoss: expected floating log-probabilities, got {Describe()}.");
        bool batched = Rank == 2;
        if (!(batched && target.Rank == 1 && target._shape[0] == _shape[0]) && !(Rank == 1 && target.Rank == 0))
            throw new ShapeMismatchException($"NllLoss: expected input [N, C] with target [N], or input [C] with a 0-d target; got input {Describe()} and target {target.Describe()}.");
        int n = batched ? _shape[0] : 1, c = _shape[^1];
        var t = target.ToInt64Array();
        for (int i = 0; i < t.Length; i++)
            if (t[i] < 0 || t[i] >= c)
                throw new ArgumentOutOfRangeException(nameof(target), $"Target {t[i]} is out of bounds. Class indices must be in [0, {c}) for input {Describe()} (target element {i}).");
        // weights[i, t_i] = -1/N: the loss is sum(weights * input) and its gradient is weights * g.
        var weights = CpuKernels.Full(_shape, DType, 0);
        double w = -1.0 / n;
        for (int i = 0; i < n; i++) CpuKernels.CopyInto(weights.FlatElement(i * c + (int)t[i]), Scalar(w).To(DType));
        var loss = CpuKernels.ReduceAll(CpuKernels.Binary(this, weights, BinaryOp.Mul, _shape), ReduceOp.Sum);
        return Graph.Record(loss, "NllLossBackward0", [this], (g, _) => [weights * g]);
    }

    /// <summary>
    /// Cross-entropy of logits against Int64 class indices (<c>torch.nn.functional.cross_entropy</c>, mean reduction):
    /// <c>LogSoftmax(classDim).NllLoss(target)</c>, computed stably. this is [N, C] (or [C]), target [N] (or 0-d).
    /// </summary>
    public Tensor CrossEntropy(Tensor target) => LogSoftmax(Rank == 1 ? 0 : 1).NllLoss(target);
}
