namespace Functional.Nn;

/// <summary>Parameter initialisers (<c>torch.nn.init</c>). Each writes into the tensor in place under
/// <see cref="Autograd.NoGrad"/> (a tracked write) and returns it.</summary>
public static class Init
{
    /// <summary>
    /// Fills <paramref name="tensor"/> with samples of U(<paramref name="low"/>, <paramref name="high"/>) drawn from
    /// <paramref name="gen"/> (<c>nn.init.uniform_</c>); without a generator, from the library's default one (fixed seed).
    /// </summary>
    public static Tensor Uniform_(Tensor tensor, double low, double high, Generator? gen = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"Uniform_ needs a floating tensor, got {tensor.Describe()}.");
        if (!(low <= high))
            throw new ArgumentOutOfRangeException(nameof(high), $"Uniform_ expects low <= high, but got low={low} and high={high}.");
        gen ??= Generator.Default;
        Tensor values;
        lock (gen)
        {
            // PyTorch's uniform_ casts the bounds to the tensor's dtype and draws in it (Note [PyTorch-compatible random streams]).
            if (tensor.DType == DType.Float64)
            {
                var v = new double[tensor.NumElements];
                gen.FillUniform(v, low, high);
                values = Tensor.From(v, tensor.Shape.ToArray(), device: tensor.Device);
            }
            else
            {
                var v = new float[tensor.NumElements];
                gen.FillUniform(v, (float)low, (float)high);
                values = Tensor.From(v, tensor.Shape.ToArray(), device: tensor.Device);
            }
        }
        using (GradMode.Set(false))
            return tensor.Copy_(values);
    }

    /// <summary>
    /// He (Kaiming) uniform initialisation in fan-in mode for a leaky ReLU of negative slope <paramref name="a"/>
    /// (<c>nn.init.kaiming_uniform_(t, a)</c>): U(-b, b) with b = sqrt(2 / (1 + a²)) · sqrt(3 / fan_in), where fan_in is
    /// the size of dimension 1 times the receptive field. <see cref="Linear"/> uses a = √5, which gives b = 1/√fan_in.
    /// </summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, Generator? gen = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        double bound = KaimingUniformBound(tensor.Shape.ToArray(), a);
        return Uniform_(tensor, -bound, bound, gen);
    }

    /// <summary>The bound b of <see cref="KaimingUniform_"/> for a tensor of <paramref name="shape"/>.</summary>
    internal static double KaimingUniformBound(int[] shape, double a)
    {
        int fanIn = FanIn(shape);
        if (fanIn == 0) return 0;
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        return gain * Math.Sqrt(3.0 / fanIn);
    }

    /// <summary>PyTorch's fan_in: size(1) times the product of the dimensions after it.</summary>
    internal static int FanIn(int[] shape)
    {
        if (shape.Length < 2)
            throw new ShapeMismatchException($"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape {Shape.Format(shape)}).");
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return shape[1] * receptive;
    }
}
