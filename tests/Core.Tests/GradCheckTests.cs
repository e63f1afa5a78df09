namespace Functional.Tests;

/// <summary>
/// Gradient checks for every differentiable op, in Float64: the analytic gradient (Autograd.Grad) against central
/// finite differences, over broadcast shapes and non-contiguous operands, plus second-order checks under
/// createGraph. See <see cref="GradCheck"/> for the method and the tolerances. The elementwise ops come from the op
/// table (tests/OpCases/OpTable.cs): each theory below runs over its rows, with inputs drawn from each row's domain.
/// </summary>
public class GradCheckTests
{
    // ---- inputs ---------------------------------------------------------------------------------------

    private static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    private static Tensor Leaf(double[] values, int[] shape) => Tensor.From(values, shape, requiresGrad: true);

    private static Tensor Uniform(int seed, double lo, double hi, int[] shape) => new Domain("Uniform", lo, hi).Leaf(seed, shape);

    /// <summary>Uniform in [-1, 1].</summary>
    private static Tensor X(int seed, params int[] shape) => Domain.Unit.Leaf(seed, shape);

    /// <summary>Uniform in [0.5, 2]: for Log, Sqrt, Pow bases, denominators.</summary>
    private static Tensor Positive(int seed, params int[] shape) => Domain.Positive.Leaf(seed, shape);

    /// <summary>Distinct values at least 0.1 apart, in random order: for Max (no ties).</summary>
    private static Tensor Distinct(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        int n = Numel(shape);
        var v = Enumerable.Range(0, n).Select(i => -1 + 0.15 * i + 0.04 * rng.NextDouble()).OrderBy(_ => rng.Next()).ToArray();
        return Leaf(v, shape);
    }

    // ---- the op table's rows --------------------------------------------------------------------------

    private static TheoryData<string> Names(IEnumerable<UnaryCase> rows) => new(rows.Select(r => r.Name));

    /// <summary>Pointwise math and activations: neg, exp, relu, ...</summary>
    public static TheoryData<string> PointwiseOps() => Names(OpTable.Pointwise);

    /// <summary>x ** p, one row per float exponent.</summary>
    public static TheoryData<string> ScalarPowers() => Names(OpTable.ScalarPowers);

    /// <summary>t + s, s - t, ...</summary>
    public static TheoryData<string> TensorScalarForms() => Names(OpTable.TensorScalar);

    /// <summary>Every one-operand row.</summary>
    public static TheoryData<string> UnaryOps() => Names(OpTable.Unary);

    /// <summary>Every two-tensor row.</summary>
    public static TheoryData<string> BinaryOps() => new(OpTable.Binary.Select(r => r.Name));

    private static Func<Tensor[], Tensor> Of(UnaryCase row) => t => row.Apply(t[0]);

    /// <summary>First order, on a [2, 3] and a 0-d input from the row's domain.</summary>
    private static void CheckUnaryRow(UnaryCase row, int seed)
    {
        GradCheck.Check(Of(row), row.Domain.Leaf(seed, 2, 3));
        GradCheck.Check(Of(row), row.Domain.Leaf(seed + 1));   // 0-d
    }

    /// <summary>Second order: the op, the op times its input (piecewise linear ops have a zero second derivative of
    /// their own) and the op of a transposed view.</summary>
    private static void CheckUnaryRowSecondOrder(UnaryCase row, Tensor x)
    {
        GradCheck.CheckSecondOrder(Of(row), x);
        GradCheck.CheckSecondOrder(t => row.Apply(t[0]) * t[0], x);
        GradCheck.CheckSecondOrder(t => row.Apply(t[0].T), x);
    }

    // ---- arithmetic -----------------------------------------------------------------------------------

    private static readonly (int[] A, int[] B)[] BroadcastPairs =
    [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 1, 3], [4, 1]), ([4, 1], [2, 1, 3]),
        ([3], []), ([], [3]), ([], []),
    ];

    public static IEnumerable<object[]> BinaryCases() =>
        from row in OpTable.Binary
        from pair in BroadcastPairs
        select new object[] { row.Name, pair.A, pair.B };

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void Binary_TensorTensor_WithBroadcasting(string op, int[] shapeA, int[] shapeB)
    {
        // Expected values: central finite differences (GradCheck); both operands are checked.
        var row = OpTable.BinaryNamed(op);
        GradCheck.Check(t => row.Apply(t[0], t[1]), row.DomainA.Leaf(1, shapeA), row.DomainB.Leaf(2, shapeB));
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_SameTensorOnBothSides(string op)
    {
        // Expected values: central finite differences (GradCheck); x op x sums both edges into one leaf. Positive x
        // keeps 2x + 3 in every row's second domain's smooth part.
        var row = OpTable.BinaryNamed(op);
        GradCheck.Check(t => row.Apply(t[0], t[0] * 2.0f + 3f), Positive(3, 2, 3));
    }

    [Theory]
    [MemberData(nameof(TensorScalarForms))]
    public void Binary_TensorAndFloatScalar_BothSides(string form)
    {
        // Expected values: central finite differences (GradCheck).
        CheckUnaryRow(OpTable.UnaryNamed(form), 4);
    }

    [Theory]
    [MemberData(nameof(PointwiseOps))]
    public void Unary(string op)
    {
        // Expected values: central finite differences (GradCheck); inputs lie in the op's smooth domain.
        CheckUnaryRow(OpTable.UnaryNamed(op), 5);
    }

    [Theory]
    [MemberData(nameof(ScalarPowers))]
    public void Pow_FloatExponent(string op)
    {
        // Expected values: central finite differences (GradCheck), on the row's domain and on positive inputs.
        var row = OpTable.UnaryNamed(op);
        CheckUnaryRow(row, 7);
        GradCheck.Check(Of(row), Positive(7, 2, 3));
    }

    // ---- special points: kinks, poles, the edges of each domain -----------------------------------------

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void SpecialPoints(string op)
    {
        // Expected values: central finite differences (GradCheck) at smooth points; at the others (kinks, poles,
        // outside the domain) PyTorch 1.13's value and gradient, as the table lists them (tests/OpCases/Reference).
        var row = OpTable.UnaryNamed(op);
        Assert.NotEmpty(row.SpecialPoints);
        foreach (var p in row.SpecialPoints) CheckAt(op, p, Of(row));
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_SpecialPoints(string op)
    {
        // Expected values: as in SpecialPoints, for both operands.
        var row = OpTable.BinaryNamed(op);
        Assert.NotEmpty(row.SpecialPoints);
        foreach (var p in row.SpecialPoints) CheckAt(op, p, t => row.Apply(t[0], t[1]));
    }

    [Fact]
    public void Every_kink_is_an_exact_special_point()
    {
        // Finite differences straddle a kink, so each needs the gradient PyTorch picks there, listed in its row.
        var missing = OpTable.Unary.SelectMany(r => r.Kinks.Where(k => !r.SpecialPoints.Any(p => !p.IsSmooth && p.At[0] == k)).Select(k => $"{r.Name} at {k}")).ToList();
        Assert.True(missing.Count == 0, "kinks with no exact special point: " + string.Join(", ", missing));
        Assert.Contains(OpTable.Unary, r => r.Kinks.Length > 0);
    }

    /// <summary>Gradchecks <paramref name="f"/> at a smooth point; at an exact one, compares its value and gradients
    /// with the expected ones (NaN with NaN, ±∞ exactly, else to 1e-12 relative).</summary>
    private static void CheckAt(string op, SpecialPoint p, Func<Tensor[], Tensor> f)
    {
        var leaves = p.At.Select(v => Leaf([v], [])).ToArray();
        if (p.IsSmooth)
        {
            GradCheck.Check(f, leaves);
            return;
        }
        var y = f(leaves);
        var grads = Autograd.Grad([y], leaves, allowUnused: true);
        AssertSame(p.Value!.Value, y.ItemDouble(), $"{op} at {p}: value");
        for (int i = 0; i < leaves.Length; i++)
            AssertSame(p.Grads![i], grads[i] is { } g ? g.ItemDouble() : 0, $"{op} at {p}: gradient of operand {i}");
    }

    private static void AssertSame(double expected, double actual, string what)
    {
        bool same = double.IsNaN(expected) ? double.IsNaN(actual)
            : double.IsInfinity(expected) ? expected == actual
            : Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected));
        Assert.True(same, $"{what}: expected {expected:R}, got {actual:R}");
    }

    /// <summary>Bases 0 and negative against integer exponents, broadcast to a grid.</summary>
    private static readonly double[] SpecialBases = [0, -2, -0.7, 0.5, 1.3];

    [Fact]
    public void Pow_TensorExponent_AtSpecialPoints()
    {
        // Expected values: central finite differences (GradCheck). x ** e at x = 0 and at negative x, with e = 0, 1, 2, 3
        // (and -1, -2 on nonzero bases): x ** 0 = 1 and x ** 1 = x are smooth in x there, so the base's gradient must be
        // 0 and 1 (PyTorch's pow_backward_self), not 0 * 0 ** -1 = NaN. The exponent is a constant at these bases: x ** e
        // is not differentiable in e at x = 0, e = 0, nor defined for x < 0 near an integer e.
        var e0123 = Tensor.From([0.0, 1, 2, 3]);
        GradCheck.Check(t => t[0].Pow(e0123), Leaf(SpecialBases, [5, 1]));
        GradCheck.Check(t => t[0].Pow(e0123.Unsqueeze(1)), Leaf(SpecialBases, [5]));   // the exponent broadcast instead
        GradCheck.Check(t => t[0].Pow(Tensor.From([-1.0, -2])), Leaf([-2, -0.7, 0.5, 1.3], [4, 1]));
        // Both operands where x ** e is smooth in both (x > 0), with e = 0 and e = 1 among the exponents.
        GradCheck.Check(t => t[0].Pow(t[1]), Leaf([0.5, 1.3, 2], [3, 1]), Leaf([0, 1, -1, 2.5], [4]));
    }

    // ---- softmax, reductions --------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Softmax_And_LogSoftmax_3D(int dim)
    {
        // Expected values: central finite differences (GradCheck).
        var x = Uniform(8, -2, 2, [2, 3, 4]);
        GradCheck.Check(t => t[0].Softmax(dim), x);
        GradCheck.Check(t => t[0].LogSoftmax(dim), x);
    }

    [Fact]
    public void Sum_And_Mean_All()
    {
        // Expected values: central finite differences (GradCheck).
        var x = X(9, 2, 3, 4);
        GradCheck.Check(t => t[0].Sum(), x);
        GradCheck.Check(t => t[0].Mean(), x);
        GradCheck.Check(t => (t[0] * t[0]).Sum(), x);
        GradCheck.Check(t => t[0].Sum() + t[0].Mean(), X(10));   // 0-d input
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(-1, false)]
    [InlineData(-1, true)]
    public void Sum_And_Mean_ByDim(int dim, bool keepDim)
    {
        // Expected values: central finite differences (GradCheck).
        var x = X(11, 2, 3, 4);
        GradCheck.Check(t => t[0].Sum(dim, keepDim), x);
        GradCheck.Check(t => t[0].Mean(dim, keepDim), x);
        GradCheck.Check(t => t[0].Sum(dim, keepDim).Exp(), x);
    }

    [Fact]
    public void Max_NoTies()
    {
        // Expected values: central finite differences (GradCheck); values are >= 0.1 apart, so eps never changes the argmax.
        GradCheck.Check(t => t[0].Max(), Distinct(12, 3, 4));
        GradCheck.Check(t => t[0].Max() * t[0], Distinct(13, 5));
    }

    // ---- matmul and linear ----------------------------------------------------------------------------

    [Theory]
    [InlineData(new[] { 4 }, new[] { 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 2, 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 5, 4 }, new[] { 4, 5 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 4, 2 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4, 2 })]
    [InlineData(new[] { 3, 4 }, new[] { 2, 4, 2 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 4 }, new[] { 2, 4, 3 })]
    [InlineData(new[] { 2, 1, 3, 4 }, new[] { 5, 4, 2 })]
    [InlineData(new[] { 1, 3, 4 }, new[] { 2, 4, 2 })]
    public void MatMul(int[] shapeA, int[] shapeB)
    {
        // Expected values: central finite differences (GradCheck), for both operands.
        GradCheck.Check(t => t[0].MatMul(t[1]), X(14, shapeA), X(15, shapeB));
    }

    [Fact]
    public void MatMul_LargerThanSimdWidth()
    {
        // Expected values: central finite differences (GradCheck); 9x17 @ 17x13 walks the kernel's blocked and tail paths.
        GradCheck.Check(t => t[0].MatMul(t[1]), X(16, 9, 17), X(17, 17, 13));
    }

    [Fact]
    public void Linear_2D_WithAndWithoutBias()
    {
        // Expected values: central finite differences (GradCheck), for input, weight and bias.
        var x = X(18, 3, 4); var w = X(19, 5, 4); var b = X(20, 5);
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]), x, w, b);
        GradCheck.Check(t => Tensor.Linear(t[0], t[1]), x, w);
    }

    [Fact]
    public void Linear_3D_WithBias_And_1D()
    {
        // Expected values: central finite differences (GradCheck), for input, weight and bias.
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]), X(21, 2, 3, 4), X(22, 5, 4), X(23, 5));
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]), X(24, 4), X(25, 5, 4), X(26, 5));
    }

    // ---- views and copies -----------------------------------------------------------------------------

    [Fact]
    public void Reshape_Viewable()
    {
        // Expected values: central finite differences (GradCheck).
        var x = X(27, 2, 3, 4);
        GradCheck.Check(t => t[0].Reshape(6, 4), x);
        GradCheck.Check(t => t[0].Reshape(-1), x);
        GradCheck.Check(t => t[0].Reshape(4, -1, 2).Exp(), x);
        // Non-contiguous but viewable: [3, 2, 4] with strides (4, 12, 1), splitting the last dimension.
        GradCheck.Check(t => t[0].Transpose(0, 1).Reshape(3, 2, 2, 2) * t[0].Transpose(0, 1).Reshape(3, 2, 2, 2), x);
    }

    [Fact]
    public void Reshape_AfterTranspose_NotViewable()
    {
        // Expected values: central finite differences (GradCheck); these reshapes copy (UnsafeViewBackward0).
        var x = X(28, 2, 3, 4);
        GradCheck.Check(t => t[0].Transpose(1, 2).Reshape(2, 12), x);
        GradCheck.Check(t => t[0].Transpose(0, 2).Reshape(-1).Sigmoid(), x);
        GradCheck.Check(t => t[0].T.Reshape(6) * t[1], X(29, 2, 3), X(30, 6));
    }

    [Fact]
    public void Transpose_T_Permute()
    {
        // Expected values: central finite differences (GradCheck); multiplying by a contiguous tensor makes layout matter.
        var x = X(31, 2, 3, 4);
        GradCheck.Check(t => t[0].Transpose(0, 2) * t[1], x, X(32, 4, 3, 2));
        GradCheck.Check(t => t[0].Transpose(-1, 1), x);
        GradCheck.Check(t => t[0].Permute(2, 0, 1) * t[1], x, X(33, 4, 2, 3));
        GradCheck.Check(t => t[0].Permute(1, -1, 0).Exp(), x);
        GradCheck.Check(t => t[0].T * t[1], X(34, 2, 3), X(35, 3, 2));
        GradCheck.Check(t => t[0].T, X(36, 3));   // 1-D: T is the identity
    }

    [Fact]
    public void Slice_IncludingNegativeAndClampedBounds()
    {
        // Expected values: central finite differences (GradCheck); unsliced elements must get exactly 0.
        var x = X(37, 3, 5);
        GradCheck.Check(t => t[0].Slice(1, 1, 4), x);
        GradCheck.Check(t => t[0].Slice(0, 1, 3).Exp(), x);
        GradCheck.Check(t => t[0].Slice(-1, -3, -1), x);
        GradCheck.Check(t => t[0].Slice(1, -4, 10), x);
        GradCheck.Check(t => t[0].Slice(1, 0, 5).Slice(0, 1, 2).Slice(1, 2, 4), x);
        GradCheck.Check(t => t[0].Slice(0, 0, 2) * t[0].Slice(0, 1, 3), x);   // overlapping slices
    }

    [Fact]
    public void Select_And_IndexerGet()
    {
        // Expected values: central finite differences (GradCheck).
        var x = X(38, 3, 4, 2);
        GradCheck.Check(t => t[0][1], x);
        GradCheck.Check(t => t[0][2, 3], x);
        GradCheck.Check(t => t[0][-1, 0, 1].Exp(), x);
        GradCheck.Check(t => t[0].Select(1, -1), x);
        GradCheck.Check(t => t[0].Select(2, 0) * t[0].Select(2, 1), x);
    }

    [Fact]
    public void Expand()
    {
        // Expected values: central finite differences (GradCheck); the gradient sums over expanded positions.
        GradCheck.Check(t => t[0].Expand(2, 3, 4) * t[1], X(39, 3, 1), X(40, 2, 3, 4));
        GradCheck.Check(t => t[0].Expand(4, -1), X(41, 3));
        GradCheck.Check(t => t[0].Expand(2, 3).Exp(), X(42));   // 0-d
    }

    [Fact]
    public void Flatten_Squeeze_Unsqueeze()
    {
        // Expected values: central finite differences (GradCheck).
        var x = X(43, 2, 3, 4);
        GradCheck.Check(t => t[0].Flatten() * t[1], x, X(44, 24));
        GradCheck.Check(t => t[0].Flatten(1), x);
        GradCheck.Check(t => t[0].Transpose(0, 1).Flatten(1).Exp(), x);
        var y = X(45, 2, 1, 3);
        GradCheck.Check(t => t[0].Squeeze(1), y);
        GradCheck.Check(t => t[0].Squeeze(-2) * t[1], y, X(46, 2, 3));
        GradCheck.Check(t => t[0].Squeeze(0), y);   // size 2: unchanged
        GradCheck.Check(t => t[0].Unsqueeze(0), x);
        GradCheck.Check(t => t[0].Unsqueeze(-1) * t[1], X(47, 2, 3), X(48, 2, 3, 2));
        GradCheck.Check(t => t[0].Unsqueeze(1) + t[1], X(49, 2, 3), X(50, 4, 3));
    }

    [Fact]
    public void Clone_And_Contiguous()
    {
        // Expected values: central finite differences (GradCheck).
        GradCheck.Check(t => t[0].Clone() * t[0], X(51, 2, 3));
        GradCheck.Check(t => t[0].Transpose(0, 1).Contiguous() * t[1], X(52, 2, 3), X(53, 3, 2));
        GradCheck.Check(t => t[0].Contiguous().Exp(), X(54, 2, 3));   // already contiguous: same handle
    }

    [Fact]
    public void SliceScatter_BothInputs()
    {
        // Expected values: central finite differences (GradCheck), for the base and the source.
        GradCheck.Check(t => t[0].SliceScatter(t[1], 1, 1, 3), X(55, 3, 4), X(56, 3, 2));
        GradCheck.Check(t => t[0].SliceScatter(t[1], 0, -2, 3).Exp(), X(57, 3, 4), X(58, 2, 4));
        GradCheck.Check(t => (t[0] * 2f).SliceScatter(t[1].Sigmoid(), -1, 0, 1), X(59, 2, 3, 4), X(60, 2, 3, 1));
        GradCheck.Check(t => t[0].T.SliceScatter(t[1].T, 0, 1, 2), X(61, 3, 2), X(62, 3, 1));   // non-contiguous both
    }

    [Fact]
    public void To_DType_RoundTrips()
    {
        // Expected values: central finite differences (GradCheck). Inputs are multiples of 1/64 and eps is 2^-10, so
        // x ± eps is exact in Float32 and the round trip adds no rounding: the difference quotient is exact.
        var o = GradCheckOptions.Default with { Eps = 1.0 / 1024 };
        var rng = new Random(63);
        var x = Leaf([.. Enumerable.Range(0, 6).Select(_ => rng.Next(-64, 65) / 64.0)], [2, 3]);
        GradCheck.Check(o, t => t[0].To(DType.Float32).To(DType.Float64), x);
        GradCheck.Check(o, t => (t[0].To(DType.Float32) * 3f + 1f).To(DType.Float64) * t[0], x);
        GradCheck.Check(o, t => t[0].To(DType.Float64), x);   // no-op
        GradCheck.Check(o, t => t[0].T.To(DType.Float32).Sum(0).To(DType.Float64), x);
    }

    // ---- losses ---------------------------------------------------------------------------------------

    [Fact]
    public void CrossEntropy_Int64Targets()
    {
        // Expected values: central finite differences (GradCheck), gradient with respect to the logits.
        var target = Tensor.From([1L, 0L, 4L, 2L]);
        GradCheck.Check(t => t[0].CrossEntropy(target), Uniform(64, -2, 2, [4, 5]));
        GradCheck.Check(t => t[0].CrossEntropy(Tensor.From([3L], [])), Uniform(65, -2, 2, [5]));
        GradCheck.Check(t => t[0].T.CrossEntropy(target), Uniform(66, -2, 2, [5, 4]));   // transposed logits
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]).CrossEntropy(target), X(67, 4, 3), X(68, 5, 3), X(69, 5));
    }

    [Fact]
    public void NllLoss_Int64Targets()
    {
        // Expected values: central finite differences (GradCheck), gradient with respect to the input.
        var target = Tensor.From([2L, 2L, 0L]);
        GradCheck.Check(t => t[0].NllLoss(target), X(70, 3, 4));
        GradCheck.Check(t => t[0].LogSoftmax(1).NllLoss(target), X(71, 3, 4));
        GradCheck.Check(t => t[0].LogSoftmax(0).NllLoss(Tensor.From([1L], [])), X(72, 4));
    }

    // ---- ops on non-contiguous operands ---------------------------------------------------------------

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Binary_NonContiguousOperands(string op)
    {
        // Expected values: central finite differences (GradCheck); operands are transposed, sliced and expanded views.
        var row = OpTable.BinaryNamed(op);
        Tensor A(int seed, params int[] shape) => row.DomainA.Leaf(seed, shape);
        Tensor B(int seed, params int[] shape) => row.DomainB.Leaf(seed, shape);
        GradCheck.Check(t => row.Apply(t[0].T, t[1]), A(73, 3, 2), B(74, 2, 3));
        GradCheck.Check(t => row.Apply(t[0], t[1].Transpose(0, 2)), A(75, 4, 3, 2), B(76, 2, 3, 4));
        GradCheck.Check(t => row.Apply(t[0].Slice(1, 1, 4), t[1].Slice(0, 1, 3)), A(77, 2, 5), B(78, 4, 3));
        GradCheck.Check(t => row.Apply(t[0].Expand(2, 3), t[1].Expand(2, 3)), A(79, 1, 3), B(80, 2, 1));
        GradCheck.Check(t => row.Apply(t[0].T, t[1]), A(81, 3, 2), B(82, 3));   // transposed + broadcast
    }

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Unary_NonContiguousInput(string op)
    {
        // Expected values: central finite differences (GradCheck); inputs are transposed, sliced and expanded views.
        var row = OpTable.UnaryNamed(op);
        GradCheck.Check(t => row.Apply(t[0].Transpose(0, 2)), row.Domain.Leaf(83, 2, 3, 4));
        GradCheck.Check(t => row.Apply(t[0].Slice(1, 1, 3)), row.Domain.Leaf(84, 3, 4));
        GradCheck.Check(t => row.Apply(t[0].Expand(3, 4)), row.Domain.Leaf(85, 1, 4));
        GradCheck.Check(t => row.Apply(t[0].T).Pow(2f), row.Domain.Leaf(86, 3, 2));
    }

    [Fact]
    public void Reductions_And_Softmax_NonContiguousInput()
    {
        // Expected values: central finite differences (GradCheck).
        var x = Uniform(87, -2, 2, [3, 4, 2]);
        GradCheck.Check(t => t[0].Transpose(0, 2).Sum(1), x);
        GradCheck.Check(t => t[0].Slice(1, 1, 3).Mean(0, keepDim: true), x);
        GradCheck.Check(t => t[0].Expand(2, 3, 4, 2).Mean(), x);
        GradCheck.Check(t => t[0].Permute(2, 0, 1).Sum(-1, keepDim: true), x);
        GradCheck.Check(t => t[0].Transpose(0, 2).Softmax(1), x);
        GradCheck.Check(t => t[0].Slice(1, 0, 3).LogSoftmax(-1), x);
        GradCheck.Check(t => t[0].Transpose(0, 1).Softmax(0), x);
        GradCheck.Check(t => t[0].T.Max(), Distinct(88, 3, 4));
        GradCheck.Check(t => t[0].Slice(0, 1, 3).Max(), Distinct(89, 4, 3));
    }

    [Fact]
    public void MatMul_And_Linear_NonContiguousOperands()
    {
        // Expected values: central finite differences (GradCheck).
        GradCheck.Check(t => t[0].T.MatMul(t[1]), X(90, 4, 3), X(91, 4, 2));
        GradCheck.Check(t => t[0].MatMul(t[1].T), X(92, 3, 4), X(93, 2, 4));
        GradCheck.Check(t => t[0].T.MatMul(t[1].T), X(94, 4, 3), X(95, 2, 4));
        GradCheck.Check(t => t[0].T.MatMul(t[1]), X(96, 4, 3), X(97, 4));                       // mv, transposed matrix
        GradCheck.Check(t => t[0].Slice(0, 1, 5).MatMul(t[1].Slice(0, 0, 4)), X(98, 6), X(99, 5, 3)); // dot/vm on slices
        GradCheck.Check(t => t[0].Transpose(1, 2).MatMul(t[1].Permute(0, 2, 1)), X(100, 2, 4, 3), X(101, 2, 2, 4));
        GradCheck.Check(t => t[0].MatMul(t[1].Expand(2, 4, 3)), X(102, 2, 3, 4), X(103, 4, 3)); // expanded batch
        GradCheck.Check(t => t[0].Slice(1, 1, 5).MatMul(t[1].Slice(1, 0, 2)), X(104, 3, 6), X(105, 4, 3));
        GradCheck.Check(t => Tensor.Linear(t[0].T, t[1].T, t[2].Slice(0, 1, 4)), X(106, 4, 2), X(107, 4, 3), X(108, 5));
        GradCheck.Check(t => Tensor.Linear(t[0].Transpose(0, 1), t[1], t[2]), X(109, 3, 2, 4), X(110, 5, 4), X(111, 5));
    }

    [Fact]
    public void Views_Composed_On_NonContiguousBase()
    {
        // Expected values: central finite differences (GradCheck).
        var x = X(112, 3, 4, 2);
        GradCheck.Check(t => t[0].Transpose(0, 1).Slice(0, 1, 3).Reshape(-1), x);
        GradCheck.Check(t => t[0].Permute(2, 1, 0)[1].Unsqueeze(0).Expand(2, 4, 3).Flatten(1), x);
        GradCheck.Check(t => t[0].Slice(2, 1, 2).Squeeze(-1).T.Contiguous().Clone(), x);
        GradCheck.Check(t => t[0].Transpose(1, 2).Select(2, -1).SliceScatter(t[1], 0, 0, 2), x, X(113, 2, 2));
    }

    [Fact]
    public void ZeroDimAndSizeOneEdgeCases()
    {
        // Expected values: central finite differences (GradCheck).
        var s = X(114);   // 0-d
        GradCheck.Check(t => t[0].Sum(0) + t[0].Mean(-1, keepDim: true), s);
        GradCheck.Check(t => t[0].Softmax(0) + t[0].LogSoftmax(0) + t[0].Exp(), s);
        GradCheck.Check(t => t[0].Unsqueeze(0).Squeeze(0).Flatten().Expand(3) * t[0], s);
        GradCheck.Check(t => t[0].Reshape(1, 1).Reshape() * 2f, s);
        GradCheck.Check(t => t[0].Select(0, 2) * t[0], X(115, 4));   // 1-D -> 0-d
        GradCheck.Check(t => t[0].Mean(1) + t[0].Sum(1, keepDim: true).Squeeze(1), X(116, 3, 1));
        GradCheck.Check(t => t[0].Softmax(0), X(117, 1, 3));
        GradCheck.Check(t => t[0].Pow(t[1]), Positive(118, 2, 3), X(119));   // 0-d exponent
    }

    [Fact]
    public void EmptySlices()
    {
        // Expected values: central finite differences (GradCheck): every element gets 0 from an empty slice.
        var x = X(150, 2, 3);
        GradCheck.Check(t => t[0].Slice(1, 2, 1), x);
        GradCheck.Check(t => t[0].Slice(1, 3, 3).Sum() + t[0].Slice(0, 0, 0).Sum(1).Sum() + t[0][0, 0], x);
        GradCheck.Check(t => t[0].Slice(1, 0, 0).MatMul(t[1].Slice(0, 1, 1)), x, X(151, 3, 2));   // k = 0
        GradCheck.Check(t => t[0].Slice(0, 1, 1).Exp().Softmax(1) + t[0].Slice(0, 1, 1), x);
    }

    [Fact]
    public void SameLeafTwice_WithBroadcasting()
    {
        // Expected values: central finite differences (GradCheck); both uses of the leaf accumulate.
        GradCheck.Check(t => t[0] * t[0].Unsqueeze(1), X(140, 3));
        GradCheck.Check(t => t[0].MatMul(t[0].T), X(141, 3, 2));
        GradCheck.Check(t => t[0].MatMul(t[0]), X(142, 3, 3));
        GradCheck.Check(t => t[0].Slice(0, 1, 3).SliceScatter(t[0].Slice(0, 0, 1), 0, 0, 1), X(143, 4, 2));
    }

    [Fact]
    public void MixedFloat32AndFloat64ZeroDimScalar()
    {
        // Expected values: central finite differences (GradCheck). A 0-d Float64 tensor adopts a Float32 operand's
        // dtype (To(Float32) is recorded), so its gradient is converted back. Dyadic inputs and eps = 2^-10 keep every
        // Float32 value exact, so the difference quotient is exact.
        var o = GradCheckOptions.Default with { Eps = 1.0 / 1024 };
        var x = Leaf([0.25, -0.5, 0.75, 1.125], [2, 2]);
        var c = Leaf([0.375], []);
        GradCheck.Check(o, t => (t[0].To(DType.Float32) * t[1]).To(DType.Float64), x, c);
        GradCheck.Check(o, t => (t[1] - t[0].T.To(DType.Float32)).To(DType.Float64), x, c);
    }

    [Fact]
    public void Checker_DetectsWrongGradients()
    {
        // The checker itself (expected values: central finite differences): a hook that doubles a gradient must fail the first-order check, and one that detaches
        // it (dropping its dependence on x) must fail the second-order check, naming the input and element.
        var e1 = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.Check(t =>
        {
            var y = t[0].Exp();
            if (y.RequiresGrad) y.RegisterHook(g => g * 2f);   // the finite differences run under NoGrad
            return y;
        }, X(144, 2, 3)));
        Assert.Contains("d out / d input 0[", e1.Message);
        Assert.Contains("numeric", e1.Message);

        var e2 = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => GradCheck.CheckSecondOrder(t =>
        {
            var y = t[0].Exp();
            if (y.RequiresGrad) y.RegisterHook(g => g.Detach());
            return y * y;
        }, X(145, 3)));
        Assert.Contains("d(grad input 0[", e2.Message);
    }

    // ---- second order (createGraph) -------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(ScalarPowers))]
    public void SecondOrder_Pow_FloatExponent(string op)
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder), on positive
        // inputs and on the row's domain.
        var row = OpTable.UnaryNamed(op);
        GradCheck.CheckSecondOrder(Of(row), Positive(120, 2, 3));
        CheckUnaryRowSecondOrder(row, row.Domain.Leaf(121, 2, 3));
    }

    [Fact]
    public void SecondOrder_Pow_TensorExponent_AtSpecialPoints()
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder). At x = 0 with
        // e = 1 the first gradient is 1 * x ** 0, whose own gradient must be 0, not 0 * 0 ** -1 = NaN. Left out, as in
        // PyTorch 1.13 (/usr/bin/python3): x = 0 with e = 0, where PyTorch's second derivative is NaN (its double backward
        // computes 0 * 0 ** -2); and e = 0 when e requires grad, where pow_backward_self's where(e == 0, 0, ...) makes
        // d(grad x)/de 0 (PyTorch: x = 0.5, e = 0 gives 0) although finite differences give x ** -1.
        GradCheck.CheckSecondOrder(t => t[0].Pow(Tensor.From([1.0, 2, 3])), Leaf(SpecialBases, [5, 1]));
        GradCheck.CheckSecondOrder(t => t[0].Pow(Tensor.From([0.0, 1, 2, -1])), Leaf([-2, -0.7, 0.5, 1.3], [4, 1]));
        GradCheck.CheckSecondOrder(t => t[0].Pow(t[1]), Leaf([0.5, 1.3, 2], [3, 1]), Leaf([1, -1, 2.5], [3]));
    }

    [Theory]
    [MemberData(nameof(PointwiseOps))]
    public void SecondOrder_Unary(string op)
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder). Abs, Relu
        // and Neg are piecewise linear: their own second derivative is 0, so they are also checked times x.
        var row = OpTable.UnaryNamed(op);
        CheckUnaryRowSecondOrder(row, row.Domain.Leaf(121, 2, 3));
    }

    private static readonly (int[] A, int[] B)[] SecondOrderPairs =
    [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 1, 3], [4, 1]), ([3], []), ([], [3]),
    ];

    public static IEnumerable<object[]> SecondOrderBinaryCases() =>
        from row in OpTable.Binary
        from pair in SecondOrderPairs
        select new object[] { row.Name, pair.A, pair.B };

    [Theory]
    [MemberData(nameof(SecondOrderBinaryCases))]
    public void SecondOrder_Binary(string op, int[] shapeA, int[] shapeB)
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        var row = OpTable.BinaryNamed(op);
        var a = row.DomainA.Leaf(122, shapeA);
        var b = row.DomainB.Leaf(123, shapeB);
        GradCheck.CheckSecondOrder(t => row.Apply(t[0], t[1]), a, b);
        GradCheck.CheckSecondOrder(t => row.Apply(t[0], t[1]).Exp(), a, b);   // nonzero upstream Hessian too
    }

    [Theory]
    [MemberData(nameof(TensorScalarForms))]
    public void SecondOrder_ScalarForms(string form)
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        var row = OpTable.UnaryNamed(form);
        CheckUnaryRowSecondOrder(row, row.Domain.Leaf(124, 2, 3));
    }

    [Fact]
    public void SecondOrder_ScalarForms_Composed()
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        var x = Positive(124, 2, 3);
        GradCheck.CheckSecondOrder(t => 3f / t[0], x);
        GradCheck.CheckSecondOrder(t => (t[0] / 4f).Exp(), x);
        GradCheck.CheckSecondOrder(t => (2f - t[0] * 1.5f).Pow(2f) + (t[0] + 1f).Log(), x);
    }

    [Theory]
    [InlineData(new[] { 4 }, new[] { 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 2, 4 }, new[] { 4, 3 })]
    [InlineData(new[] { 2, 2, 3 }, new[] { 2, 3, 2 })]
    [InlineData(new[] { 2, 2, 3 }, new[] { 3, 2 })]
    [InlineData(new[] { 2, 1, 2, 3 }, new[] { 2, 3, 2 })]
    public void SecondOrder_MatMul(int[] shapeA, int[] shapeB)
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder). MatMul is
        // bilinear: the cross terms d(grad A)/dB are nonzero; the Tanh adds curvature in each operand.
        GradCheck.CheckSecondOrder(t => t[0].MatMul(t[1]), X(125, shapeA), X(126, shapeB));
        GradCheck.CheckSecondOrder(t => t[0].MatMul(t[1]).Tanh(), X(125, shapeA), X(126, shapeB));
    }

    [Fact]
    public void SecondOrder_MatMul_NonContiguous_And_Linear()
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        GradCheck.CheckSecondOrder(t => t[0].T.MatMul(t[1]).Sigmoid(), X(127, 3, 2), X(128, 3, 2));
        GradCheck.CheckSecondOrder(t => Tensor.Linear(t[0], t[1], t[2]).Tanh(), X(129, 2, 3), X(130, 2, 3), X(131, 2));
        GradCheck.CheckSecondOrder(t => Tensor.Linear(t[0], t[1]).Exp(), X(132, 2, 2, 3), X(133, 2, 3));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void SecondOrder_Softmax_And_LogSoftmax(int dim)
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        var x = Uniform(134, -2, 2, [2, 2, 3]);
        GradCheck.CheckSecondOrder(t => t[0].Softmax(dim), x);
        GradCheck.CheckSecondOrder(t => t[0].LogSoftmax(dim), x);
    }

    [Fact]
    public void SecondOrder_Reductions_Views_And_Losses()
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        var x = X(135, 2, 3);
        GradCheck.CheckSecondOrder(t => (t[0] * t[0]).Sum(1).Exp(), x);
        GradCheck.CheckSecondOrder(t => t[0].Mean(0, keepDim: true).Pow(2f) * t[0], x);
        GradCheck.CheckSecondOrder(t => t[0].Sum() * t[0].Mean(), x);
        GradCheck.CheckSecondOrder(t => t[0].Max() * t[0].Exp(), Distinct(136, 2, 3));
        GradCheck.CheckSecondOrder(t => t[0].Transpose(0, 1).Reshape(-1).Slice(0, 1, 5).Exp() * t[0][1, 2], x);
        GradCheck.CheckSecondOrder(t => t[0].Unsqueeze(0).Expand(2, 2, 3).Select(1, 1).Sigmoid(), x);
        GradCheck.CheckSecondOrder(t => t[0].SliceScatter(t[1].Exp(), 1, 0, 1) * t[0], x, X(137, 2, 1));
        GradCheck.CheckSecondOrder(t => t[0].CrossEntropy(Tensor.From([2L, 0L])), Uniform(138, -2, 2, [2, 3]));
        GradCheck.CheckSecondOrder(t => t[0].LogSoftmax(1).NllLoss(Tensor.From([1L, 1L])) * t[0].Sum(), x);
    }

    [Fact]
    public void SecondOrder_ThroughViews_And_SameLeafTwice()
    {
        // Expected values: central finite differences of the first gradient (GradCheck.CheckSecondOrder).
        var x = X(146, 2, 3);
        GradCheck.CheckSecondOrder(t => t[0].MatMul(t[0].T), x);
        GradCheck.CheckSecondOrder(t => t[0].Permute(1, 0).Reshape(3, 2, 1).Squeeze(-1).Tanh() * t[0].T, x);
        GradCheck.CheckSecondOrder(t => t[0].Unsqueeze(1).Expand(2, 2, 3).Sum(0).Pow(3f), x);
        GradCheck.CheckSecondOrder(t => (t[0] * t[1]).Sigmoid() / t[1], x, Positive(147, 3));
        GradCheck.CheckSecondOrder(t => t[0].Pow(t[1]).Log(), Positive(148, 2, 3), X(149));
    }
}
