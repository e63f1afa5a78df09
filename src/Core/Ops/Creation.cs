namespace Functional;

// Creation functions. None records a node; a tensor created with requiresGrad is a leaf.
public partial class Tensor
{
    /// <summary>A Float32 tensor holding a copy of <paramref name="data"/> (<c>torch.tensor(data)</c>); 1-D unless <paramref name="shape"/> is given.</summary>
    public static Tensor From(float[] data, int[]? shape = null, bool requiresGrad = false, Device? device = null) =>
        FromArray((float[])data.Clone(), shape, requiresGrad, device);

    /// <summary>A Float64 tensor holding a copy of <paramref name="data"/>; 1-D unless <paramref name="shape"/> is given.</summary>
    public static Tensor From(double[] data, int[]? shape = null, bool requiresGrad = false, Device? device = null) =>
        FromArray((double[])data.Clone(), shape, requiresGrad, device);

    /// <summary>An Int64 tensor holding a copy of <paramref name="data"/> (class targets, indices).</summary>
    public static Tensor From(long[] data, int[]? shape = null, Device? device = null) =>
        FromArray((long[])data.Clone(), shape, false, device);

    /// <summary>A 2-D Float32 tensor from a rectangular array.</summary>
    public static Tensor From(float[,] data, bool requiresGrad = false)
    {
        int r = data.GetLength(0), c = data.GetLength(1);
        var flat = new float[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) flat[i * c + j] = data[i, j];
        return FromArray(flat, [r, c], requiresGrad, null);
    }

    /// <summary>A 2-D Float64 tensor from a rectangular array.</summary>
    public static Tensor From(double[,] data, bool requiresGrad = false)
    {
        int r = data.GetLength(0), c = data.GetLength(1);
        var flat = new double[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) flat[i * c + j] = data[i, j];
        return FromArray(flat, [r, c], requiresGrad, null);
    }

    private static Tensor FromArray<T>(T[] data, int[]? shape, bool requiresGrad, Device? device) where T : unmanaged
    {
        shape = shape is null ? [data.Length] : (int[])shape.Clone();
        _ = new Shape(shape);
        if (Shape.Product(shape) != data.Length)
            throw new ShapeMismatchException($"shape {Shape.Format(shape)} is invalid for input of size {data.Length}.");
        return FromHost(data, shape, device, requiresGrad);
    }

    /// <summary>A 0-d Float32 tensor (<c>torch.tensor(value)</c>).</summary>
    public static Tensor Scalar(float value, bool requiresGrad = false) => FromHost(new[] { value }, [], null, requiresGrad);

    /// <summary>A 0-d Float64 tensor.</summary>
    public static Tensor Scalar(double value, bool requiresGrad = false) => FromHost(new[] { value }, [], null, requiresGrad);

    /// <summary>A 0-d Float32 tensor, so that <c>z[0] = 100f</c> and <c>x * (Tensor)2f</c> work.</summary>
    public static implicit operator Tensor(float value) => Scalar(value);

    /// <summary>A Float32 tensor of zeros (<c>torch.zeros</c>).</summary>
    public static Tensor Zeros(params int[] shape) => Full(shape, 0f);

    /// <summary>A tensor of zeros of the given dtype.</summary>
    public static Tensor Zeros(int[] shape, DType dtype) => Backends.Default.Full(new Shape(shape).Dims, dtype, 0);

    /// <summary>A Float32 tensor of ones (<c>torch.ones</c>).</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>A tensor of ones of the given dtype.</summary>
    public static Tensor Ones(int[] shape, DType dtype) => Backends.Default.Full(new Shape(shape).Dims, dtype, 1);

    /// <summary>A Float32 tensor filled with <paramref name="value"/> (<c>torch.full</c>).</summary>
    public static Tensor Full(int[] shape, float value) => Backends.Default.Full(new Shape(shape).Dims, DType.Float32, value);

    /// <summary>A tensor of <paramref name="like"/>'s shape and dtype filled with zeros (<c>torch.zeros_like</c>).</summary>
    public static Tensor ZerosLike(Tensor like) => like.Backend.Full(like._shape, like.DType, 0);

    /// <summary>A tensor of <paramref name="like"/>'s shape and dtype filled with ones (<c>torch.ones_like</c>).</summary>
    public static Tensor OnesLike(Tensor like) => like.Backend.Full(like._shape, like.DType, 1);

    /// <summary>Standard normal Float32 samples (<c>torch.randn</c>) from <paramref name="gen"/> (PyTorch's default seed if null).</summary>
    public static Tensor Randn(int[] shape, Generator? gen = null) => Random(shape, gen ?? Generator.Default, normal: true);

    /// <summary>Uniform [0, 1) Float32 samples (<c>torch.rand</c>) from <paramref name="gen"/> (PyTorch's default seed if null).</summary>
    public static Tensor Rand(int[] shape, Generator? gen = null) => Random(shape, gen ?? Generator.Default, normal: false);

    private static Tensor Random(int[] shape, Generator gen, bool normal)
    {
        var dims = new Shape(shape).Dims;
        var data = new float[Shape.Product(dims)];
        lock (gen)
        {
            if (!normal) gen.FillUniform(data, 0f, 1f);
            else
            {
                var d = new double[data.Length];
                gen.FillNormal(d, float32: true);
                for (int i = 0; i < d.Length; i++) data[i] = (float)d[i];
            }
        }
        return FromHost(data, dims);
    }

    /// <summary>A random permutation of 0..n-1 as an Int64 tensor (<c>torch.randperm(n)</c>; with the same seed, the same
    /// permutation as PyTorch's CPU generator) from <paramref name="gen"/> (PyTorch's default seed if null).</summary>
    public static Tensor Randperm(int n, Generator? gen = null)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"Randperm needs n >= 0, got {n}.");
        gen ??= Generator.Default;
        int[] p;
        lock (gen) p = gen.Permutation(n);
        var data = new long[n];
        for (int i = 0; i < n; i++) data[i] = p[i];
        return FromHost(data, [n]);
    }

    /// <summary>The Int64 tensor [0, 1, ..., n-1] (<c>torch.arange(n)</c>).</summary>
    public static Tensor Arange(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), "Arange needs n >= 0.");
        var data = new long[n];
        for (int i = 0; i < n; i++) data[i] = i;
        return FromHost(data, [n]);
    }
}
