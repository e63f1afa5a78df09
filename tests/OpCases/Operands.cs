namespace Functional.OpCases;

/// <summary>
/// The operands bad-input cases are made of. Leaves get a Grad accumulator first (ones), so a test can see that a
/// failed op leaves it alone.
/// </summary>
public static class Operands
{
    private static int Numel(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

    private static float[] Iota(int n) => Enumerable.Range(1, n).Select(i => (float)i).ToArray();

    /// <summary>A Float32 leaf that requires grad, values 1..n, whose Grad already holds ones.</summary>
    public static Tensor F(params int[] shape)
    {
        var t = Tensor.From(Iota(Numel(shape)), shape, requiresGrad: true);
        (t * 1f).Sum().Backward();
        return t;
    }

    /// <summary>A Float64 leaf that requires grad, values 1..n, whose Grad already holds ones.</summary>
    public static Tensor D(params int[] shape)
    {
        var t = Tensor.From(Iota(Numel(shape)).Select(v => (double)v).ToArray(), shape, requiresGrad: true);
        (t * 1f).Sum().Backward();
        return t;
    }

    /// <summary>A Float32 tensor that does not require grad (an in-place op may write it), values 1..n.</summary>
    public static Tensor P(params int[] shape) => Tensor.From(Iota(Numel(shape)), shape);

    /// <summary>An Int64 tensor 0..n-1.</summary>
    public static Tensor L(params int[] shape) => Tensor.From(Enumerable.Range(0, Numel(shape)).Select(i => (long)i).ToArray(), shape);

    /// <summary>A non-leaf (grad_fn MulBackward0) over a leaf with a Grad.</summary>
    public static Tensor N(params int[] shape) => F(shape) * 2f;
}
