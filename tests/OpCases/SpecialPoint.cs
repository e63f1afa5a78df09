using System.Globalization;

namespace Functional.OpCases;

/// <summary>
/// A point an op must be checked at: 0, negatives, poles, kinks, the edge of its domain. <see cref="At"/> holds one
/// value per operand. A <em>smooth</em> point (<see cref="Grads"/> null) is gradchecked there by central finite
/// differences. At an <em>exact</em> point, where finite differences cannot judge (a kink, a pole, outside the domain),
/// the op must give <see cref="Value"/> and the gradients <see cref="Grads"/> (one per operand) that PyTorch gives:
/// NaN where PyTorch gives NaN, ±∞ where it gives ±∞. The table says where each exact point's numbers come from.
/// </summary>
public sealed record SpecialPoint(double[] At, double? Value = null, double[]? Grads = null)
{
    /// <summary>Gradchecked by finite differences at <paramref name="at"/> (one value per operand).</summary>
    public static SpecialPoint Smooth(params double[] at) => new(at);

    /// <summary>A one-operand op at <paramref name="x"/>: value and gradient as PyTorch gives them.</summary>
    public static SpecialPoint Exact(double x, double value, double grad) => new([x], value, [grad]);

    /// <summary>A two-operand op at (<paramref name="a"/>, <paramref name="b"/>): value and both gradients as PyTorch gives them.</summary>
    public static SpecialPoint Exact(double a, double b, double value, double gradA, double gradB) => new([a, b], value, [gradA, gradB]);

    /// <summary>Whether finite differences check this point (else it has expected values).</summary>
    public bool IsSmooth => Grads is null;

    /// <inheritdoc/>
    public override string ToString() =>
        "(" + string.Join(", ", At.Select(Show)) + ")" +
        (IsSmooth ? " smooth" : $" -> {Show(Value!.Value)}, grad {string.Join(", ", Grads!.Select(Show))}");

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
