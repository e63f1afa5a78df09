namespace Functional.OpCases;

/// <summary>
/// A map from all of ℝ into an op's domain, applied to the op's operand by the F# program generators so that every
/// generated program is defined and bounded: log x there is log(x²+1), exp x is exp(tanh x). <see cref="Format"/>
/// prints it around its argument (<c>{0}</c>), always as one atom, so that nesting stays readable.
/// </summary>
public sealed record Transform(string Format, Func<Tensor, Tensor> Apply)
{
    /// <summary>x²+1 ∈ [1, ∞): for ops defined on positive numbers (log, sqrt, reciprocal, x^0.5, denominators).</summary>
    public static readonly Transform SquarePlusOne = new("{0}²+1", x => x * x + 1f);

    /// <summary>tanh x ∈ (-1, 1): keeps exp and exponents bounded.</summary>
    public static readonly Transform Tanh = new("tanh({0})", x => x.Tanh());

    /// <summary>The printed form around <paramref name="arg"/>.</summary>
    public string Show(string arg) => string.Format(System.Globalization.CultureInfo.InvariantCulture, Format, arg);
}
