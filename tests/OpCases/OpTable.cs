using static Functional.OpCases.SpecialPoint;

namespace Functional.OpCases;

// ==== Adding an op: one row here. ==================================================================================
//
// Every elementwise op of the public API is one row below; the tests of both test projects read their op lists from
// this table, so a new pointwise op needs no other test edit. What each column drives:
//
//   name            the row's id: test display names (Unary(op: "exp")), lookups, the F# coverage report.
//   forms           the public entry points (Tensor member name + a call); the first is what the tests call.
//                   BadInputTests: every form gets the bad-input cases, and its member counts as covered in the
//                   completeness test. AutogradSemanticsTests: every form must record the same node as the first.
//   gradFn          AutogradSemanticsTests: the grad_fn name of the result, as PyTorch prints it.
//   domain          GradCheckTests (Core.Tests): first and second order gradchecks in Float64, on contiguous,
//                   0-d and non-contiguous operands, draw their values from it; the F# law 3b too.
//   specialPoints   GradCheckTests.SpecialPoints: smooth points are gradchecked there; exact points must give
//                   PyTorch's value and gradient (kinks, poles, NaN outside the domain).
//   kinks           must each be an exact special point; the F# laws skip a finite difference that crosses one.
//   inPlace         AutogradSemanticsTests: the twin gives the out-of-place value, grad_fn and gradients on a
//                   non-leaf receiver, and its in-place grad_fn name; BadInputTests: leaf, view, expanded,
//                   superseded and Int64 receivers (and bad operands for a binary twin).
//   total, format   Dsl.Tests (Generators.fs): every row is drawn into the generated programs of the autograd laws,
//                   applied after `total` (which maps ℝ into the domain: log a is log(a²+1)) and printed by `format`.
//
// Binary rows have a domain, and a total transform, per operand, and an operandName (what a null operand's
// ArgumentNullException names); their bad inputs (broadcast, dtype, null) are derived from the forms.
//
// Where the numbers come from: grad_fn names and every exact special point are PyTorch 1.13's, in Float64, printed by
// Reference/op_table_reference.py (/usr/bin/python3 op_table_reference.py > op_table_reference.out). Smooth points
// and domains carry no expected numbers: central finite differences (GradCheck) are the reference there.
// =====================================================================================================================

/// <summary>The op table: one row per elementwise op (see the comment at the top of OpTable.cs).</summary>
public static class OpTable
{
    private static UnaryForm[] Form(string member, Func<Tensor, Tensor> apply) => [new(member, apply)];

    private static UnaryCase Op(string name, string member, Func<Tensor, Tensor> apply, string gradFn, Domain domain,
        SpecialPoint[] special, Transform? total = null, double[]? kinks = null, UnaryForm? inPlace = null) =>
        new(name, UnaryGroup.Pointwise, Form(member, apply), gradFn, domain, name + "({0})", special, kinks, inPlace, total);

    /// <summary>Pointwise math and activations (one operand).</summary>
    public static readonly IReadOnlyList<UnaryCase> Pointwise =
    [
        new("neg", UnaryGroup.Pointwise, [new("op_UnaryNegation", x => -x), new("Neg", x => x.Neg())], "NegBackward0", Domain.Real, "neg({0})",
            [Smooth(0)]),
        Op("reciprocal", "Reciprocal", x => x.Reciprocal(), "ReciprocalBackward0", Domain.Positive,
            [Exact(0, double.PositiveInfinity, double.NegativeInfinity), Smooth(-1), Smooth(-2)], total: Transform.SquarePlusOne),
        Op("exp", "Exp", x => x.Exp(), "ExpBackward0", Domain.Real, [Smooth(0), Smooth(-2)], total: Transform.Tanh),
        Op("log", "Log", x => x.Log(), "LogBackward0", Domain.Positive,
            [Exact(0, double.NegativeInfinity, double.PositiveInfinity), Exact(-1, double.NaN, -1), Smooth(1)], total: Transform.SquarePlusOne),
        Op("sqrt", "Sqrt", x => x.Sqrt(), "SqrtBackward0", Domain.Positive,
            [Exact(0, 0, double.PositiveInfinity), Exact(-1, double.NaN, double.NaN), Smooth(1)], total: Transform.SquarePlusOne),
        // |x| at 0: gradient 0, as PyTorch's sgn(0).
        Op("abs", "Abs", x => x.Abs(), "AbsBackward0", Domain.AwayFromZero, [Exact(0, 0, 0), Smooth(-1), Smooth(1)], kinks: [0]),
        Op("sigmoid", "Sigmoid", x => x.Sigmoid(), "SigmoidBackward0", Domain.Real, [Smooth(0), Smooth(-2)],
            inPlace: new("Sigmoid_", x => x.Sigmoid_())),
        Op("tanh", "Tanh", x => x.Tanh(), "TanhBackward0", Domain.Real, [Smooth(0), Smooth(-2)]),
        // relu at 0: gradient 0 (PyTorch's threshold_backward passes the gradient only where the result is > 0).
        Op("relu", "Relu", x => x.Relu(), "ReluBackward0", Domain.AwayFromZero, [Exact(0, 0, 0), Smooth(-1), Smooth(1)], kinks: [0],
            inPlace: new("Relu_", x => x.Relu_())),
        // Recorded as one node; PyTorch's F.softsign composes abs, add and div and prints DivBackward0 (the library's
        // choice, documented on Tensor.Softsign). Its first derivative 1/(1+|x|)² is continuous at 0: a smooth point.
        // Values and gradients at 0 and -2: PyTorch's (op_table_reference.out).
        Op("softsign", "Softsign", x => x.Softsign(), "SoftsignBackward0", Domain.Real,
            [Exact(0, 0, 1), Exact(-2, -0.6666666666666666, 0.1111111111111111), Smooth(0.5), Smooth(-1)]),
    ];

    private static UnaryCase Power(float p, Domain domain, SpecialPoint[] special, Transform? total = null)
    {
        string s = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new($"pow {s}", UnaryGroup.ScalarPower, [new("Pow", x => x.Pow(p)), new("Pow", x => Tensor.Pow(x, p))], "PowBackward0", domain,
            $"pow({{0}}, {s})", special, total: total);
    }

    /// <summary>x ** p for float exponents p, one row per p.</summary>
    public static readonly IReadOnlyList<UnaryCase> ScalarPowers =
    [
        // x ** 0 and x ** 1 at 0: gradient 0 and 1 (PyTorch's pow_backward), not 0 * 0 ** -1 = NaN; smooth, so finite
        // differences judge them.
        Power(0, Domain.Real, [Smooth(0), Smooth(-1)]),
        Power(1, Domain.Real, [Smooth(0), Smooth(-2)]),
        Power(2, Domain.Real, [Smooth(0), Smooth(-2)]),
        Power(3, Domain.Real, [Smooth(0), Smooth(-2)]),
        Power(0.5f, Domain.Positive, [Exact(0, 0, double.PositiveInfinity), Exact(-1, double.NaN, double.NaN)], Transform.SquarePlusOne),
        Power(-1.5f, Domain.Positive, [Exact(0, double.PositiveInfinity, double.NegativeInfinity), Exact(-1, double.NaN, double.NaN)], Transform.SquarePlusOne),
    ];

    private static UnaryCase Scalar(string name, string member, Func<Tensor, Tensor> apply, string gradFn, string format,
        SpecialPoint[] special, UnaryForm? inPlace = null, Domain? domain = null, Transform? total = null) =>
        new(name, UnaryGroup.TensorScalar, Form(member, apply), gradFn, domain ?? Domain.Unit, format, special, inPlace: inPlace, total: total);

    /// <summary>A tensor and a float scalar, on either side.</summary>
    public static readonly IReadOnlyList<UnaryCase> TensorScalar =
    [
        Scalar("t+s", "op_Addition", x => x + 2.5f, "AddBackward0", "({0} + 2.5)", [Smooth(0)], new("Add_", x => x.Add_(2.5f))),
        Scalar("s+t", "op_Addition", x => 2.5f + x, "AddBackward0", "(2.5 + {0})", [Smooth(0)], new("Add_", x => x.Add_(2.5f))),
        Scalar("t-s", "op_Subtraction", x => x - 1.5f, "SubBackward0", "({0} - 1.5)", [Smooth(0)], new("Sub_", x => x.Sub_(1.5f))),
        Scalar("s-t", "op_Subtraction", x => 1.5f - x, "RsubBackward1", "(1.5 - {0})", [Smooth(0)]),
        Scalar("t*s", "op_Multiply", x => x * -2.5f, "MulBackward0", "({0} * -2.5)", [Smooth(0)], new("Mul_", x => x.Mul_(-2.5f))),
        Scalar("s*t", "op_Multiply", x => -2.5f * x, "MulBackward0", "(-2.5 * {0})", [Smooth(0)], new("Mul_", x => x.Mul_(-2.5f))),
        Scalar("t/s", "op_Division", x => x / 4f, "DivBackward0", "({0} / 4)", [Smooth(0)], new("Div_", x => x.Div_(4f))),
        // s / t is s * t.Reciprocal(), as PyTorch records it (MulBackward0 over ReciprocalBackward0).
        Scalar("s/t", "op_Division", x => 3f / x, "MulBackward0", "(3 / {0})", [Exact(0, double.PositiveInfinity, double.NegativeInfinity), Smooth(-1)],
            domain: Domain.Positive, total: Transform.SquarePlusOne),
    ];

    /// <summary>Every one-operand row: <see cref="Pointwise"/>, <see cref="ScalarPowers"/>, <see cref="TensorScalar"/>.</summary>
    public static readonly IReadOnlyList<UnaryCase> Unary = [.. Pointwise, .. ScalarPowers, .. TensorScalar];

    private static BinaryCase Arithmetic(string name, string method, string op, Func<Tensor, Tensor, Tensor> apply, Func<Tensor, Tensor, Tensor> call,
        string gradFn, Domain domainB, SpecialPoint[] special, BinaryForm inPlace, Transform? totalB = null) =>
        new(name, [new(op, apply), new(method, call)], gradFn, Domain.Unit, domainB, name + "({0}, {1})",
            specialPoints: special, inPlace: inPlace, totalB: totalB);

    /// <summary>Two tensors, broadcast.</summary>
    public static readonly IReadOnlyList<BinaryCase> Binary =
    [
        Arithmetic("add", "Add", "op_Addition", (a, b) => a + b, (a, b) => a.Add(b), "AddBackward0", Domain.Unit, [Smooth(0, 0)], new("Add_", (a, b) => a.Add_(b))),
        Arithmetic("sub", "Sub", "op_Subtraction", (a, b) => a - b, (a, b) => a.Sub(b), "SubBackward0", Domain.Unit, [Smooth(0, 0)], new("Sub_", (a, b) => a.Sub_(b))),
        Arithmetic("mul", "Mul", "op_Multiply", (a, b) => a * b, (a, b) => a.Mul(b), "MulBackward0", Domain.Unit, [Smooth(0, 0), Smooth(-2, 0.5)], new("Mul_", (a, b) => a.Mul_(b))),
        // a / 0: ±∞ and NaN as IEEE division gives them, in the value and in both gradients (PyTorch's).
        Arithmetic("div", "Div", "op_Division", (a, b) => a / b, (a, b) => a.Div(b), "DivBackward0", Domain.Positive,
            [Exact(1.5, 0, double.PositiveInfinity, double.PositiveInfinity, double.NegativeInfinity), Exact(0, 0, double.NaN, double.PositiveInfinity, double.NaN),
             Smooth(-2, 0.5), Smooth(0, -1)],
            new("Div_", (a, b) => a.Div_(b)), totalB: Transform.SquarePlusOne),
        // x ** e at x = 0 and at negative x: the base's gradient is 0 where e = 0 (pow_backward_self), the exponent's is
        // 0 where x = 0 and e >= 0 (pow_backward_exponent), NaN where log x is (x < 0).
        new("pow", [new("Pow", (a, b) => a.Pow(b)), new("Pow", (a, b) => Tensor.Pow(a, b))], "PowBackward1", Domain.Positive, Domain.Exponent,
            "pow({0}, {1})", operandName: "exponent",
            specialPoints:
            [
                Exact(0, 0, 1, 0, 0), Exact(0, 1, 0, 1, 0), Exact(0, 2, 0, 0, 0), Exact(0, -1, double.PositiveInfinity, double.NegativeInfinity, double.NegativeInfinity),
                Exact(-2, 2, 4, -4, double.NaN), Exact(-2, 0.5, double.NaN, double.NaN, double.NaN), Smooth(1.5, 0), Smooth(2, -1),
            ],
            totalA: Transform.SquarePlusOne, totalB: Transform.Tanh),
    ];

    /// <summary>The one-operand row named <paramref name="name"/>.</summary>
    public static UnaryCase UnaryNamed(string name) =>
        Unary.SingleOrDefault(r => r.Name == name) ?? throw new ArgumentException($"no one-operand row named '{name}'", nameof(name));

    /// <summary>The two-operand row named <paramref name="name"/>.</summary>
    public static BinaryCase BinaryNamed(string name) =>
        Binary.SingleOrDefault(r => r.Name == name) ?? throw new ArgumentException($"no two-operand row named '{name}'", nameof(name));

    /// <summary>Every bad-input case of every row.</summary>
    public static IEnumerable<BadInput> BadInputs => Unary.SelectMany(r => r.BadInputs).Concat(Binary.SelectMany(r => r.BadInputs));
}
