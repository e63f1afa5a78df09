namespace Functional;

// Losses, mean reduction (PyTorch's defaults): classification on Int64 class targets, and mean squared error.
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
        // The loss gathers input[i, t_i] (a product with one-hot weights would turn a -inf log-probability
        // elsewhere in the row into NaN); the gradient is the constant weights[i, t_i] = -1/N times g.
        var picked = 0.0;
        var weightData = new double[n * c];
        for (int i = 0; i < n; i++)
        {
            int at = i * c + (int)t[i];
            picked += FlatElement(at).ItemDouble();
            weightData[at] = -1.0 / n;
        }
        var weights = FromHost(weightData, (int[])_shape.Clone(), Device).To(DType);
        var loss = Backend.Full([], DType, -picked / n);
        return Graph.Record(loss, "NllLossBackward0", [this], (g, _) => [weights * g]);
    }

    /// <summary>
    /// Cross-entropy of logits against Int64 class indices (<c>torch.nn.functional.cross_entropy</c>, mean reduction):
    /// <c>LogSoftmax(classDim).NllLoss(target)</c>, computed stably. this is [N, C] (or [C]), target [N] (or 0-d).
    /// </summary>
    public Tensor CrossEntropy(Tensor target) => LogSoftmax(Rank == 1 ? 0 : 1).NllLoss(target);

    /// <summary>
    /// Mean squared error <c>mean((this - target)²)</c> (<c>torch.nn.functional.mse_loss</c>, mean reduction), differentiable
    /// in both arguments. The shapes must be equal: PyTorch only warns and broadcasts, which silently computes a different loss.
    /// </summary>
    public Tensor MseLoss(Tensor target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!_shape.AsSpan().SequenceEqual(target._shape))
            throw new ShapeMismatchException(
                $"Using a target size ({Shape.Format(target._shape)}) that is different to the input size ({Shape.Format(_shape)}). " +
                $"This would lead to incorrect results due to broadcasting (input {Describe()}, target {target.Describe()}); " +
                "reshape one of them so that the shapes are equal.");
        Tensor a = this, b = target;
        PrepareBinary(ref a, ref b, "MseLoss");
        var diff = a.Backend.Binary(a, b, BinaryKernel.Sub, _shape);
        var squares = diff.Backend.Binary(diff, diff, BinaryKernel.Mul, _shape);
        double n = NumElements;
        var loss = Backend.Scalar(Backend.ReduceAll(squares, ReduceKernel.Sum), n, BinaryKernel.Div, false);
        return Graph.Record(loss, "MseLossBackward0", [a, b], (g, s) =>
        {
            var gi = (s.Self - s.Other) * (g * Scalar(2.0 / n));   // a 0-d Float64 constant takes the gradient's dtype
            return [s.NeedsGrad(0) ? gi : null, s.NeedsGrad(1) ? -gi : null];
        }, save: [a, b]);
    }
}
