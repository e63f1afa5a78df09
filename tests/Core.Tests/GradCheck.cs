using System.Text;

namespace Functional.Tests;

/// <summary>
/// Tolerances of a gradient check: an analytic value <c>a</c> matches a numeric one <c>n</c> when
/// <c>|a - n| &lt;= AbsTol + RelTol * |n|</c>.
/// </summary>
/// <remarks>
/// Why these defaults, in Float64 with central differences and eps = 1e-6: the truncation error of
/// (F(x+eps) - F(x-eps)) / 2eps is eps²/6 · F''' ≈ 1e-13 for the smooth, O(1)-scaled test functions used here,
/// and the rounding error is about ulp(F)/eps ≈ 2.2e-16 · |F| / 1e-6 ≈ 2e-10 · |F|, with |F| (a weighted sum of
/// at most a few dozen O(1) outputs) below ~50, so numeric derivatives are good to ~1e-8 absolute. A relative
/// tolerance of 1e-5 with an absolute floor of 1e-7 therefore leaves a 10x–100x margin over that noise, while any
/// real error in a backward rule (a wrong sign, factor, transpose, missing broadcast sum) is O(1) relative and
/// fails loudly. The absolute floor keeps true zeros (e.g. gradients of unused elements) from failing on noise.
/// </remarks>
public sealed record GradCheckOptions(double Eps = 1e-6, double RelTol = 1e-5, double AbsTol = 1e-7, int Seed = 20240611)
{
    /// <summary>The defaults above.</summary>
    public static readonly GradCheckOptions Default = new();
}

/// <summary>
/// Gradient checks by central finite differences in Float64. The checked scalar is <c>(f(x) * r).Sum()</c> with r
/// a fixed random Float64 weight of f's output shape, so every output element (not just their sum) is covered.
/// </summary>
public static class GradCheck
{
    private const int MaxReported = 12;

    /// <summary>Checks the first derivatives of <paramref name="f"/> at <paramref name="inputs"/> (Float64 leaves that
    /// require grad) against central finite differences.</summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(GradCheckOptions.Default, f, inputs);

    /// <inheritdoc cref="Check(Func{Tensor[], Tensor}, Tensor[])"/>
    public static void Check(GradCheckOptions options, Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var (values, shapes) = Validate(inputs);
        var r = Weight(f, inputs, options.Seed);

        var analytic = AsArrays(Autograd.Grad([Objective(f(inputs), r)], inputs, allowUnused: true), shapes, "first gradient");
        var numeric = new double[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
        {
            numeric[i] = new double[values[i].Length];
            for (int j = 0; j < values[i].Length; j++)
                numeric[i][j] = Central(values, i, j, options.Eps, v => ObjectiveValue(f, v, shapes, r));
        }
        Compare(options, shapes, analytic, numeric, (i, j) => $"d out / d input {i}{Index(shapes[i], j)}");
    }

    /// <summary>
    /// Checks second derivatives: the first gradient g(x) = ∇(f(x)·r) is computed with <c>createGraph: true</c>,
    /// then the full Jacobian dg/dx (one backward per element of g, seeded with a one-hot gradient) is compared with
    /// central finite differences of g itself (recomputed without createGraph at x ± eps). The createGraph first
    /// gradient is also checked against finite differences of f.
    /// </summary>
    public static void CheckSecondOrder(Func<Tensor[], Tensor> f, params Tensor[] inputs) =>
        CheckSecondOrder(GradCheckOptions.Default, f, inputs);

    /// <inheritdoc cref="CheckSecondOrder(Func{Tensor[], Tensor}, Tensor[])"/>
    public static void CheckSecondOrder(GradCheckOptions options, Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        var (values, shapes) = Validate(inputs);
        var r = Weight(f, inputs, options.Seed);
        int n = inputs.Length;

        var g1 = Autograd.Grad([Objective(f(inputs), r)], inputs, createGraph: true, allowUnused: true);

        // First order, from the createGraph gradient (its values must not depend on createGraph).
        var numeric1 = new double[n][];
        for (int i = 0; i < n; i++)
        {
            numeric1[i] = new double[values[i].Length];
            for (int j = 0; j < values[i].Length; j++)
                numeric1[i][j] = Central(values, i, j, options.Eps, v => ObjectiveValue(f, v, shapes, r));
        }
        Compare(options, shapes, AsArrays(g1, shapes, "first gradient (createGraph)"), numeric1,
            (i, j) => $"d out / d input {i}{Index(shapes[i], j)} (createGraph: true)");

        // Analytic Jacobian of g: hess[k][e][m][j] = d g_k[e] / d x_m[j].
        var hess = new double[n][][][];
        for (int k = 0; k < n; k++)
        {
            hess[k] = new double[values[k].Length][][];
            for (int e = 0; e < values[k].Length; e++)
            {
                Tensor?[] row = new Tensor?[n];
                if (g1[k] is { RequiresGrad: true } gk)
                {
                    var onehot = new double[values[k].Length];
                    onehot[e] = 1;
                    row = Autograd.Grad([gk], inputs, [Tensor.From(onehot, shapes[k])], retainGraph: true, allowUnused: true);
                }
                hess[k][e] = AsArrays(row, shapes, $"gradient of first gradient {k}{Index(shapes[k], e)}");
            }
        }

        // Numeric Jacobian of g, one input element at a time; compare entry by entry.
        var mismatches = new List<string>();
        int count = 0;
        for (int m = 0; m < n; m++)
            for (int j = 0; j < values[m].Length; j++)
            {
                var plus = FirstGradientAt(f, Perturbed(values, m, j, +options.Eps), shapes, r);
                var minus = FirstGradientAt(f, Perturbed(values, m, j, -options.Eps), shapes, r);
                for (int k = 0; k < n; k++)
                    for (int e = 0; e < values[k].Length; e++)
                    {
                        double num = (plus[k][e] - minus[k][e]) / (2 * options.Eps);
                        double ana = hess[k][e][m][j];
                        if (Matches(options, ana, num)) continue;
                        if (count++ < MaxReported)
                            mismatches.Add($"d(grad input {k}{Index(shapes[k], e)}) / d input {m}{Index(shapes[m], j)}: " +
                                           $"analytic {ana:R}, numeric {num:R}, |diff| {Math.Abs(ana - num):E3}");
                    }
            }
        if (count > 0) Fail("Second-order gradient check failed", count, options, mismatches);
    }

    // ---- pieces -------------------------------------------------------------------------------------

    private static (double[][] Values, int[][] Shapes) Validate(Tensor[] inputs)
    {
        Assert.NotEmpty(inputs);
        var values = new double[inputs.Length][];
        var shapes = new int[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            Assert.True(x.DType == DType.Float64, $"GradCheck: input {i} must be Float64, got {x.Describe()}.");
            Assert.True(x.IsLeaf && x.RequiresGrad, $"GradCheck: input {i} must be a leaf that requires grad, got {x.Describe()}.");
            values[i] = x.ToDoubleArray();
            shapes[i] = x.Shape.ToArray();
        }
        return (values, shapes);
    }

    /// <summary>The fixed random weight r (uniform in [-1, 1], Float64) of f's output shape.</summary>
    private static Tensor Weight(Func<Tensor[], Tensor> f, Tensor[] inputs, int seed)
    {
        Tensor y;
        using (Autograd.NoGrad()) y = f(inputs);
        Assert.True(y.DType == DType.Float64, $"GradCheck: f must return a Float64 tensor, got {y.Describe()}.");
        var rng = new Random(seed);
        var w = new double[y.Shape.NumElements];
        for (int i = 0; i < w.Length; i++) w[i] = 2 * rng.NextDouble() - 1;
        return Tensor.From(w, y.Shape.ToArray());
    }

    private static Tensor Objective(Tensor y, Tensor r)
    {
        Assert.True(y.Shape.ToArray().SequenceEqual(r.Shape.ToArray()),
            $"GradCheck: f's output shape changed between calls: {y.Describe()} vs weight {r.Describe()}.");
        return (y * r).Sum();
    }

    private static Tensor[] Leaves(double[][] values, int[][] shapes, bool requiresGrad) =>
        [.. values.Select((v, i) => Tensor.From(v, shapes[i], requiresGrad))];

    private static double ObjectiveValue(Func<Tensor[], Tensor> f, double[][] values, int[][] shapes, Tensor r)
    {
        using (Autograd.NoGrad()) return Objective(f(Leaves(values, shapes, false)), r).ItemDouble();
    }

    private static double[][] FirstGradientAt(Func<Tensor[], Tensor> f, double[][] values, int[][] shapes, Tensor r)
    {
        var xs = Leaves(values, shapes, true);
        return AsArrays(Autograd.Grad([Objective(f(xs), r)], xs, allowUnused: true), shapes, "first gradient");
    }

    private static double[][] Perturbed(double[][] values, int i, int j, double delta)
    {
        var copy = values.Select(v => (double[])v.Clone()).ToArray();
        copy[i][j] += delta;
        return copy;
    }

    private static double Central(double[][] values, int i, int j, double eps, Func<double[][], double> objective) =>
        (objective(Perturbed(values, i, j, +eps)) - objective(Perturbed(values, i, j, -eps))) / (2 * eps);

    /// <summary>Gradients as flat arrays; null (an unused input) reads as zeros. Checks shape and dtype.</summary>
    private static double[][] AsArrays(Tensor?[] grads, int[][] shapes, string what)
    {
        Assert.Equal(shapes.Length, grads.Length);
        var result = new double[grads.Length][];
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not { } g) { result[i] = new double[shapes[i].Aggregate(1, (a, b) => a * b)]; continue; }
            Assert.True(g.Shape.ToArray().SequenceEqual(shapes[i]),
                $"GradCheck: {what} for input {i} has shape {Fmt(g.Shape.ToArray())}, expected {Fmt(shapes[i])}.");
            Assert.True(g.DType == DType.Float64, $"GradCheck: {what} for input {i} is {g.DType}, expected Float64.");
            result[i] = g.ToDoubleArray();
        }
        return result;
    }

    private static bool Matches(GradCheckOptions o, double analytic, double numeric) =>
        Math.Abs(analytic - numeric) <= o.AbsTol + o.RelTol * Math.Abs(numeric);   // false for NaN

    private static void Compare(GradCheckOptions options, int[][] shapes, double[][] analytic, double[][] numeric, Func<int, int, string> name)
    {
        var mismatches = new List<string>();
        int count = 0;
        for (int i = 0; i < analytic.Length; i++)
            for (int j = 0; j < analytic[i].Length; j++)
            {
                if (Matches(options, analytic[i][j], numeric[i][j])) continue;
                if (count++ < MaxReported)
                    mismatches.Add($"{name(i, j)}: analytic {analytic[i][j]:R}, numeric {numeric[i][j]:R}, " +
                                   $"|diff| {Math.Abs(analytic[i][j] - numeric[i][j]):E3}");
            }
        if (count > 0) Fail("Gradient check failed", count, options, mismatches);
    }

    private static void Fail(string title, int count, GradCheckOptions o, List<string> lines)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{title}: {count} element(s) differ from central finite differences " +
                      $"(eps {o.Eps:G3}, rtol {o.RelTol:G3}, atol {o.AbsTol:G3}):");
        foreach (var l in lines) sb.AppendLine("  " + l);
        if (count > lines.Count) sb.AppendLine($"  ... and {count - lines.Count} more");
        Assert.Fail(sb.ToString());
    }

    private static string Fmt(int[] dims) => "[" + string.Join(", ", dims) + "]";

    /// <summary><c>[1, 2]</c>: the multi-index of flat element <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    private static string Index(int[] shape, int flat)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = flat % shape[d]; flat /= shape[d]; }
        return Fmt(idx);
    }
}
