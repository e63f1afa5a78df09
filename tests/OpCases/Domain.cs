namespace Functional.OpCases;

/// <summary>
/// Where an op is smooth, so that central finite differences may be taken there: values uniform in [Lo, Hi], or, when
/// <see cref="EitherSign"/>, magnitudes uniform in [Lo, Hi] with random signs (an interval pair that keeps away from a
/// kink at 0). Gradchecks draw their inputs from a row's domain; the F# laws draw from it for the untransformed ops.
/// </summary>
public sealed record Domain(string Name, double Lo, double Hi, bool EitherSign = false)
{
    /// <summary>[-2, 2]: ops smooth on all of ℝ (exp, sigmoid, tanh, integer powers, ...).</summary>
    public static readonly Domain Real = new("Real", -2, 2);

    /// <summary>[-1, 1]: the operands of + - * (tensor and scalar).</summary>
    public static readonly Domain Unit = new("Unit", -1, 1);

    /// <summary>[0.5, 2]: log, sqrt, reciprocal, fractional and negative powers, the bases of pow, denominators.</summary>
    public static readonly Domain Positive = new("Positive", 0.5, 2);

    /// <summary>|x| in [0.2, 1.5], either sign: abs and relu, whose kink at 0 finite differences must not straddle.</summary>
    public static readonly Domain AwayFromZero = new("AwayFromZero", 0.2, 1.5, EitherSign: true);

    /// <summary>[-1.5, 1.5]: tensor exponents of pow (on positive bases).</summary>
    public static readonly Domain Exponent = new("Exponent", -1.5, 1.5);

    /// <summary>The value at <paramref name="u"/> ∈ [0, 1] of the interval, negated when <paramref name="negative"/> and
    /// the domain allows either sign.</summary>
    public double At(double u, bool negative = false)
    {
        double v = Lo + (Hi - Lo) * u;
        return EitherSign && negative ? -v : v;
    }

    /// <summary><paramref name="n"/> values drawn with <c>new Random(seed)</c> (the same draws for the same seed).</summary>
    public double[] Sample(int seed, int n)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            bool negative = EitherSign && rng.Next(2) == 0;
            v[i] = At(rng.NextDouble(), negative);
        }
        return v;
    }

    /// <summary>A Float64 leaf that requires grad, of <paramref name="shape"/>, with values from <see cref="Sample"/>.</summary>
    public Tensor Leaf(int seed, params int[] shape) =>
        Tensor.From(Sample(seed, shape.Aggregate(1, (a, d) => a * d)), shape, requiresGrad: true);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
