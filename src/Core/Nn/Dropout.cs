namespace Functional.Nn;

/// <summary>
/// Randomly zeroes elements with probability <see cref="P"/> during training and scales the kept ones by 1/(1-p), so
/// the expected value is unchanged (<c>torch.nn.Dropout</c>). In evaluation mode (<see cref="Module.Eval"/>) it is the
/// identity and returns its input.
/// </summary>
/// <remarks>
/// The mask is a constant drawn from the layer's <see cref="Generator"/>; the output is <c>x * mask</c> (PyTorch's CPU
/// <c>MulBackward0</c>), so the gradient is the incoming one times the same mask. A layer made with a seeded generator
/// drops the same elements on every run.
/// </remarks>
public sealed class Dropout : Module
{
    private readonly Generator _gen;

    /// <summary>A dropout layer with drop probability <paramref name="p"/> in [0, 1], drawing its masks from
    /// <paramref name="gen"/> (the library's default generator, fixed seed, when null).</summary>
    public Dropout(float p = 0.5f, Generator? gen = null)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"dropout probability has to be between 0 and 1, but got {p}.");
        P = p;
        _gen = gen ?? Generator.Default;
    }

    /// <summary>The probability of zeroing an element (<c>p</c>).</summary>
    public float P { get; }

    /// <summary>In training mode <c>x * mask</c>, each mask element 0 with probability p and 1/(1-p) otherwise; in
    /// evaluation mode (or with p = 0) <paramref name="x"/> itself.</summary>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Training || P == 0) return x;
        if (!x.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"Dropout needs a floating input, got {x.Describe()}.");
        // p enters as the decimal it prints as (0.1f is 0.1), as PyTorch's Python float does: 1/(1-p) is exact in Float64.
        double keep = 1.0 - double.Parse(P.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        int n = x.NumElements;
        var shape = x.Shape.ToArray();
        Tensor mask;
        lock (_gen)
        {
            if (x.DType == DType.Float64)
            {
                double scale = keep == 0 ? 0 : 1.0 / keep;
                var m = HostPool.Allocate<double>(n, zeroed: false);
                var d = m.Data;
                for (int i = 0; i < n; i++) d[i] = _gen.NextDouble() < keep ? scale : 0;
                mask = Tensor.FromPooled(m, shape, x.Device);
            }
            else
            {
                float scale = keep == 0 ? 0 : 1f / (float)keep;
                var m = HostPool.Allocate<float>(n, zeroed: false);
                var d = m.Data;
                for (int i = 0; i < n; i++) d[i] = _gen.NextDouble() < keep ? scale : 0;
                mask = Tensor.FromPooled(m, shape, x.Device);
            }
        }
        return x * mask;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"p={P.ToString(System.Globalization.CultureInfo.InvariantCulture)}, inplace=False";
}
