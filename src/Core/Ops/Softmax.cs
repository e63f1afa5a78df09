namespace Functional;

// Softmax and log-softmax along a dimension, computed max-shifted so large logits do not overflow.
public partial class Tensor
{
    /// <summary>exp(x) / sum(exp(x)) along <paramref name="dim"/> (<c>torch.softmax</c>).</summary>
    public Tensor Softmax(int dim)
    {
        int d = Shape.NormalizeDim(dim, Rank);
        var y = Rank == 0 ? Backend.Full([], DType, 1) : Backend.Softmax(this, d, log: false);
        return Graph.Record(y, "SoftmaxBackward0", [this], (g, s) =>
        {
            var yy = s.Result;
            return [yy * (g - (g * yy).Sum(d, keepDim: true))];
        }, saveOutput: true);
    }

    /// <summary>x - log(sum(exp(x))) along <paramref name="dim"/> (<c>torch.log_softmax</c>).</summary>
    public Tensor LogSoftmax(int dim)
    {
        int d = Shape.NormalizeDim(dim, Rank);
        var y = Rank == 0 ? Backend.Full([], DType, 0) : Backend.Softmax(this, d, log: true);
        return Graph.Record(y, "LogSoftmaxBackward0", [this],
            (g, s) => [g - s.Result.Exp() * g.Sum(d, keepDim: true)], saveOutput: true);
    }
}
