namespace Functional;

// Note [Backend Seam]
// A tensor's storage is made by a backend and knows it; every op asks its input's storage for the backend and
// calls its kernels, so the op code in Ops/, Nn/, Optim/, Data/ and Io/ never names a device's kernels. A kernel
// takes tensors (storage plus view geometry) and returns a fresh contiguous tensor of that backend, or writes one
// it is given; it never records a graph node and never reads grad mode. The CPU backend (Backends/Cpu) is the only
// one the library ships today; the tests run the op suite through a second, checking backend (CheckingBackend in
// the test project) to prove nothing reaches past the seam. The GPU backend plugs in here.

/// <summary>The kernels a device provides: memory, elementwise math, reductions, products and the optimizer
/// updates. One instance per device; see Note [Backend Seam].</summary>
internal abstract class Backend
{
    /// <summary>The device whose storages this backend makes and reads.</summary>
    public abstract Device Device { get; }

    /// <summary>This backend's number in <see cref="ById"/>, given at construction (storages keep it).</summary>
    internal readonly byte Id;

    // Every backend constructed in this process, by Id (a few: the CPU, a GPU, the tests' checking backend). Kept here,
    // not in Backends, so that constructing the CPU backend never waits on Backends' initializer (which reads it).
    private static Backend[] s_byId = [];
    private static readonly Lock s_idLock = new();

    protected Backend()
    {
        lock (s_idLock)
        {
            if (s_byId.Length == byte.MaxValue) throw new InvalidOperationException("Too many backends in one process (255).");
            Id = (byte)s_byId.Length;
            s_byId = [.. s_byId, this];
        }
    }

    /// <summary>The backend numbered <paramref name="id"/>.</summary>
    internal static Backend ById(byte id) => s_byId[id];

    // ---- memory ---------------------------------------------------------------------------------------

    /// <summary>A fresh contiguous tensor of <paramref name="shape"/> (owned by the result) filled with <paramref name="value"/>.</summary>
    public abstract Tensor Full(int[] shape, DType dtype, double value);

    /// <summary>A fresh contiguous tensor holding <paramref name="data"/> (row-major) in this backend's memory. The
    /// backend may keep the array itself (the CPU does), so the caller must not use it afterwards.</summary>
    public abstract Tensor FromHost<T>(T[] data, int[] shape) where T : unmanaged;

    /// <summary>The elements of <paramref name="t"/> in row-major order, as a new host array.</summary>
    public abstract T[] ToHost<T>(Tensor t) where T : unmanaged;

    /// <summary>A fresh contiguous copy of <paramref name="t"/> (same dtype).</summary>
    public abstract Tensor Contiguous(Tensor t);

    /// <summary>A fresh contiguous copy of <paramref name="t"/> converted to <paramref name="dtype"/>.</summary>
    public abstract Tensor Convert(Tensor t, DType dtype);

    /// <summary>Writes <paramref name="src"/>, broadcast to dst's shape and converted to its dtype, into dst's elements.</summary>
    public abstract void CopyInto(Tensor dst, Tensor src);

    // ---- elementwise ----------------------------------------------------------------------------------

    /// <summary>op(x), elementwise.</summary>
    public abstract Tensor Unary(Tensor x, UnaryKernel op);

    /// <summary>a op b with broadcasting to <paramref name="outShape"/>.</summary>
    public abstract Tensor Binary(Tensor a, Tensor b, BinaryKernel op, int[] outShape);

    /// <summary>x op s, or s op x when <paramref name="scalarFirst"/>, in x's dtype.</summary>
    public abstract Tensor Scalar(Tensor x, double s, BinaryKernel op, bool scalarFirst);

    /// <summary>A 0/1 mask of x's shape and dtype: 1 where <c>x op value</c>.</summary>
    public abstract Tensor Compare(Tensor x, double value, CompareKernel op);

    /// <summary>A copy of x with <paramref name="value"/> where the 0/1 mask (x's shape) is set.</summary>
    public abstract Tensor MaskedFill(Tensor x, Tensor mask, double value);

    /// <summary>ReLU's backward in one pass: g where output &gt; 0, else 0.</summary>
    public abstract Tensor ReluGrad(Tensor g, Tensor output);

    // ---- reductions -----------------------------------------------------------------------------------

    /// <summary>The sum or max of all elements, as a 0-d tensor.</summary>
    public abstract Tensor ReduceAll(Tensor x, ReduceKernel op);

    /// <summary>Reduces dimension <paramref name="dim"/> (normalized), keeping it as size 1.</summary>
    public abstract Tensor ReduceDim(Tensor x, int dim, ReduceKernel op);

    /// <summary>The Int64 index of the first maximum along <paramref name="dim"/>, keeping it as size 1.</summary>
    public abstract Tensor ArgMax(Tensor x, int dim);

    /// <summary>Softmax (or log-softmax) along <paramref name="dim"/>, max-shifted.</summary>
    public abstract Tensor Softmax(Tensor x, int dim, bool log);

    // ---- linear algebra -------------------------------------------------------------------------------

    /// <summary>The (batched, broadcast) matrix product of 2-D or higher operands into a fresh <paramref name="outShape"/>.</summary>
    public abstract Tensor MatMul(Tensor a, Tensor b, int[] outShape);

    /// <summary>Adds bias [n] to every row of <paramref name="rows"/> [m, n] in place (a kernel's fresh result only).</summary>
    public abstract void AddRowsInPlace(Tensor rows, Tensor bias);

    // ---- optimizers -----------------------------------------------------------------------------------

    /// <summary>One Adam/AdamW update of <paramref name="p"/> and its moments in place, with PyTorch's single-tensor
    /// arithmetic. p, m and v are contiguous, g any layout; all have p's shape and dtype.</summary>
    public abstract void AdamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper h);

    /// <summary>SGD's step for <paramref name="p"/> (<c>-lr * d_p</c>, a fresh tensor the optimizer adds to p): weight
    /// decay, then momentum through <paramref name="buffer"/> (created as a copy of d_p when null, else updated in
    /// place), then Nesterov, with PyTorch's single-tensor arithmetic. p and g have one shape and dtype.</summary>
    public abstract Tensor SgdDirection(Tensor p, Tensor grad, ref Tensor? buffer, in SgdHyper h);
}

/// <summary>SGD's hyperparameters, as the doubles PyTorch's Python floats are.</summary>
internal readonly record struct SgdHyper(double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov);

/// <summary>Adam's hyperparameters for one step, as the doubles PyTorch's Python floats are.</summary>
internal readonly record struct AdamHyper(double Beta1, double Beta2, double Eps, double Lr, double WeightDecay, bool Decoupled, double Step);

/// <summary>Where tensors are made when no device is named, and the backend of each device.</summary>
internal static class Backends
{
    private static volatile Backend s_default = CpuBackend.Instance;
    private static readonly Dictionary<Device, Backend> s_registered = new() { [Device.Cpu] = CpuBackend.Instance };

    /// <summary>The backend of the factories (<c>Tensor.From</c>, <c>Zeros</c>, ...) when no device is named: the CPU,
    /// unless a test installs its checking backend for the whole process.</summary>
    public static Backend Default
    {
        get => s_default;
        set => s_default = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Makes <paramref name="backend"/> the one that serves its device.</summary>
    public static void Register(Backend backend)
    {
        lock (s_registered) s_registered[backend.Device] = backend;
    }

    /// <summary>The backend of <paramref name="device"/> (the default one when null).</summary>
    public static Backend For(Device? device)
    {
        if (device is null) return s_default;
        if (device == s_default.Device) return s_default;
        lock (s_registered)
            if (s_registered.TryGetValue(device, out var b)) return b;
        throw new NotSupportedException(
            device.Type == DeviceType.Cuda
                ? $"Device {device} is not available in this build (Device.CudaAvailable is false)."
                : $"Device {device} has no backend in this process.");
    }
}
