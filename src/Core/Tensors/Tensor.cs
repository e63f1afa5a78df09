namespace Functional;

// The handle: its fields, how one is made, its shape, dtype and device, and access to its elements. The autograd API
// on the handle (requires-grad, Grad, Backward, hooks, Detach and Data, supersession) is in Autograd/Tensor.Autograd.cs,
// printing in Tensor.Printing.cs, the ops in Ops/.

/// <summary>
/// An n-dimensional array that autograd can differentiate through. PyTorch: <c>torch.Tensor</c>.
/// </summary>
/// <remarks>
/// A handle is immutable: its storage reference, view geometry (offset, shape, strides), dtype, device and
/// grad_fn never change. Ops return new handles. The storage is the one mutable thing, changed only by the
/// tracked in-place ops (which bump the shared version counter) and through the untracked <see cref="Data"/>
/// alias. Ops live in <c>Ops/</c>, one file per family, each with its backward rule beside it.
/// </remarks>
public partial class Tensor
{
    internal readonly Storage _storage;
    internal readonly int _offset;
    internal readonly int[] _shape;
    internal readonly int[] _strides;
    internal readonly VersionCounter _version;
    internal Node? _gradFn;                   // set once, in the constructor or by Graph.Attach before the handle escapes
    private AutogradMeta? _autograd;          // created on first need: most tensors never need one
    internal readonly Tensor? _viewBase;      // the non-view tensor whose storage this view aliases
    internal readonly bool _isContiguous;
    private readonly int _rebasesAtCreation;  // for views: see VersionCounter.Rebases

    internal Tensor(Storage storage, int offset, int[] shape, int[] strides, VersionCounter version,
                    Node? gradFn = null, bool requiresGrad = false, Tensor? viewBase = null)
    {
        _storage = storage;
        _offset = offset;
        _shape = shape;
        _strides = strides;
        _version = version;
        _gradFn = gradFn;
        if (gradFn is null && requiresGrad) _autograd = new AutogradMeta { RequiresGrad = true };
        _viewBase = viewBase;
        _isContiguous = ComputeContiguous(shape, strides);
        _rebasesAtCreation = version.Rebases;
    }

    /// <summary>A new leaf that aliases <paramref name="source"/>'s storage and version counter (for <c>Parameter</c>).</summary>
    protected Tensor(Tensor source, bool requiresGrad)
        : this(source._storage, source._offset, source._shape, source._strides, source._version, null,
               CheckCanRequireGrad(source.DType, requiresGrad))
    {
    }

    /// <summary>A fresh contiguous tensor that owns <paramref name="storage"/>.</summary>
    internal static Tensor FromStorage(Storage storage, int[] shape, bool requiresGrad = false) =>
        new(storage, 0, shape, Shape.ContiguousStrides(shape), new VersionCounter(), null, CheckCanRequireGrad(storage.DType, requiresGrad));

    /// <summary>A fresh tensor holding <paramref name="data"/> (row-major, <paramref name="shape"/>) on
    /// <paramref name="device"/> (the default device when null). The backend may keep the array: the caller hands it over.</summary>
    internal static Tensor FromHost<T>(T[] data, int[] shape, Device? device = null, bool requiresGrad = false) where T : unmanaged
    {
        var t = Backends.For(device).FromHost(data, shape);
        return requiresGrad ? FromStorage(t._storage, t._shape, requiresGrad: true) : t;
    }

    /// <summary>A fresh tensor on <paramref name="device"/> (the default device when null) holding the elements of a host
    /// storage from <see cref="HostPool.Allocate{T}"/> that the caller filled: that storage itself on the CPU, a copy of
    /// it elsewhere (a pooled array stays with its one storage; Note [Host Pool]).</summary>
    internal static Tensor FromPooled<T>(Storage<T> filled, int[] shape, Device? device = null) where T : unmanaged
    {
        var backend = Backends.For(device);
        return backend == CpuBackend.Instance ? FromStorage(filled, shape) : backend.FromHost((T[])filled.Data.Clone(), shape);
    }

    /// <summary>The backend that serves this tensor's storage (Note [Backend Seam]): every op's kernels come from it.</summary>
    internal Backend Backend => _storage.Backend;

    /// <summary>A kernel's fresh contiguous result under another shape of as many elements (no graph, same storage).</summary>
    internal Tensor AsShape(int[] shape) => FromStorage(_storage, shape);

    private static bool ComputeContiguous(int[] shape, int[] strides)
    {
        if (Shape.Product(shape) == 0) return true;   // no element to misplace (PyTorch agrees)
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    // ---- metadata -------------------------------------------------------------------------------------

    /// <summary>The sizes of the dimensions (<c>t.shape</c>).</summary>
    public Shape Shape => Shape.Wrap(_shape);

    /// <summary>The element type (<c>t.dtype</c>).</summary>
    public DType DType => _storage.DType;

    /// <summary>Where the storage lives (<c>t.device</c>).</summary>
    public Device Device => _storage.Device;

    /// <summary>The number of dimensions (<c>t.dim()</c>).</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements (<c>t.numel()</c>).</summary>
    public int NumElements => Shape.Product(_shape);

    /// <summary>The element strides of each dimension (<c>t.stride()</c>).</summary>
    public int[] Strides => (int[])_strides.Clone();

    /// <summary>Whether the elements are laid out densely in row-major order (<c>t.is_contiguous()</c>).</summary>
    public bool IsContiguous => _isContiguous;

    /// <summary>The number of tracked in-place writes to this tensor's storage (<c>t._version</c>). Shared by
    /// every view and <see cref="Detach"/> alias; <see cref="Data"/> aliases have their own.</summary>
    public int Version => _version.Value;

    /// <summary>Whether this is a view that shares storage with another tensor it was derived from (<c>t._is_view()</c>).</summary>
    public bool IsView => _viewBase is not null;

    // ---- element access -------------------------------------------------------------------------------

    internal Storage<T> StorageOf<T>() where T : unmanaged =>
        _storage as Storage<T> ?? throw new DTypeMismatchException($"Expected a {typeof(T).Name} tensor, got {Describe()}.");

    /// <summary>The elements as a span when this tensor is contiguous, else a fresh contiguous copy's span.</summary>
    internal ReadOnlySpan<T> ContiguousSpan<T>() where T : unmanaged =>
        _isContiguous && _storage is Storage<T> host ? host.Data.AsSpan(_offset, NumElements) : Backend.ToHost<T>(this);

    /// <summary>The single value of a one-element tensor as a float (<c>t.item()</c>).</summary>
    public float Item() => (float)ItemDouble();

    /// <summary>The single value of a one-element tensor as a double.</summary>
    public double ItemDouble()
    {
        if (NumElements != 1)
            throw new ShapeMismatchException($"a Tensor with {NumElements} elements cannot be converted to Scalar ({Describe()}).");
        double value = DType switch
        {
            DType.Float32 => ContiguousSpan<float>()[0],
            DType.Float64 => ContiguousSpan<double>()[0],
            _ => ContiguousSpan<long>()[0],
        };
        GC.KeepAlive(this);   // its storage was read until now (Note [Host Pool])
        return value;
    }

    // The readers below copy through the backend (ToHost), which keeps this tensor reachable while it reads the storage
    // (Note [Host Pool]); a span over a pooled array must not outlive its tensor.

    /// <summary>The elements in row-major order as floats (converted if needed).</summary>
    public float[] ToArray() => DType switch
    {
        DType.Float32 => Backend.ToHost<float>(this),
        DType.Float64 => Array.ConvertAll(Backend.ToHost<double>(this), v => (float)v),
        _ => Array.ConvertAll(Backend.ToHost<long>(this), v => (float)v),
    };

    /// <summary>The elements in row-major order as doubles (converted if needed).</summary>
    public double[] ToDoubleArray() => DType switch
    {
        DType.Float32 => Array.ConvertAll(Backend.ToHost<float>(this), v => (double)v),
        DType.Float64 => Backend.ToHost<double>(this),
        _ => Array.ConvertAll(Backend.ToHost<long>(this), v => (double)v),
    };

    /// <summary>The elements in row-major order as longs (floats truncated toward zero).</summary>
    public long[] ToInt64Array() => DType switch
    {
        DType.Int64 => Backend.ToHost<long>(this),
        DType.Float32 => Array.ConvertAll(Backend.ToHost<float>(this), v => (long)v),
        _ => Array.ConvertAll(Backend.ToHost<double>(this), v => (long)v),
    };
}
