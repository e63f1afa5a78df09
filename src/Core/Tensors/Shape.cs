namespace Functional;

/// <summary>The sizes of a tensor's dimensions. PyTorch: <c>torch.Size</c>. Immutable.</summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;

    /// <summary>A shape with the given sizes (copied).</summary>
    public Shape(params int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Shape sizes must be non-negative, got [{string.Join(", ", dims)}].", nameof(dims));
        _dims = (int[])dims.Clone();
    }

    private Shape(int[] dims, bool _) => _dims = dims;

    internal static Shape Wrap(int[] dims) => new(dims, true);

    internal int[] Dims => _dims ?? [];

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => Dims.Length;

    /// <summary>The size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int this[int dim] => Dims[Normalize(dim)];

    /// <summary>The product of the sizes (1 for a scalar).</summary>
    public int NumElements => Product(Dims);

    /// <summary>A copy of the sizes.</summary>
    public int[] ToArray() => (int[])Dims.Clone();

    internal int Normalize(int dim) => NormalizeDim(dim, Rank);

    internal static int NormalizeDim(int dim, int rank)
    {
        int r = Math.Max(rank, 1);
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"Dimension out of range (expected to be in range of [{-r}, {r - 1}], but got {dim})");
        return dim < 0 ? dim + r : dim;
    }

    internal static int Product(ReadOnlySpan<int> dims)
    {
        long n = 1;
        foreach (var d in dims) if (d == 0) return 0;   // a zero anywhere: empty, however large the other sizes
        foreach (var d in dims)
        {
            n *= d;   // stays exact: n <= int.MaxValue before each step, so n * d < 2^62
            if (n > int.MaxValue) break;
        }
        if (n > int.MaxValue) throw new ArgumentException($"A tensor of shape [{string.Join(", ", dims.ToArray())}] has more than {int.MaxValue} elements.");
        return (int)n;
    }

    /// <summary>A copy of a dims array for a new tensor to own; the empty dims of a 0-d tensor are shared (an empty array
    /// cannot change), which saves the tiny-op path an allocation per op.</summary>
    internal static int[] Copy(int[] dims) => dims.Length == 0 ? dims : (int[])dims.Clone();

    /// <summary>Row-major (C-contiguous) strides for <paramref name="dims"/>. Only an empty tensor's can pass
    /// int.MaxValue (PyTorch's zeros(0, 65536, 65536) has stride 2^32): they saturate there, as no element is ever
    /// addressed through them.</summary>
    internal static int[] ContiguousStrides(int[] dims)
    {
        if (dims.Length == 0) return dims;   // shape and strides of a 0-d tensor: the same (immutable) empty array
        var s = new int[dims.Length];
        long acc = 1;
        for (int i = dims.Length - 1; i >= 0; i--) { s[i] = (int)acc; acc = Math.Min(acc * Math.Max(dims[i], 1), int.MaxValue); }
        return s;
    }

    /// <summary>The broadcast of two shapes (NumPy/PyTorch rules), or null when they do not broadcast.</summary>
    internal static int[]? TryBroadcast(int[] a, int[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        var r = new int[n];
        for (int i = 0; i < n; i++)
        {
            int da = i < n - a.Length ? 1 : a[i - (n - a.Length)];
            int db = i < n - b.Length ? 1 : b[i - (n - b.Length)];
            if (da == db || db == 1) r[i] = da;
            else if (da == 1) r[i] = db;
            else return null;
        }
        return r;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Equality of sizes.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    /// <summary>Inequality of sizes.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>The sizes as PyTorch's autograd messages print them: <c>[2, 3]</c>.</summary>
    public override string ToString() => Format(Dims);

    internal static string Format(int[] dims) => "[" + string.Join(", ", dims) + "]";
}
