using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Functional.Tests;

/// <summary>
/// A test-only backend on a device of its own (<c>cpu:1</c>) that proves the backend seam (Note [Backend Seam]): it runs
/// the CPU kernels, but first checks every call (each tensor argument is on this device, its storage has the dtype it
/// claims, and its view — offset, shape, strides — stays inside the storage) and afterwards checks and re-labels the
/// result (fresh, contiguous, on this device). A kernel reached any other way than through a tensor's backend, or a
/// tensor made on the CPU inside an op, shows up as a <see cref="DeviceMismatchException"/> or a failed check. It counts
/// the calls per kernel, so a test can see the work really went through it.
/// </summary>
internal sealed class CheckingBackend : CpuBackend
{
    /// <summary>The one instance, registered for <see cref="CheckedDevice"/> when this assembly loads.</summary>
    public static new readonly CheckingBackend Instance = new();

    /// <summary>The device this backend serves.</summary>
    public static readonly Device CheckedDevice = new(DeviceType.Cpu, 1);

    /// <summary>Set to run the test assembly with this backend as the default device (see <see cref="Install"/>).</summary>
    public const string EnvironmentVariable = "FUNCTIONAL_TEST_DEVICE";

    private readonly ConcurrentDictionary<string, long> _calls = new();

    private CheckingBackend() { }

    /// <summary>Registers the backend; with <c>FUNCTIONAL_TEST_DEVICE=checking</c> also makes it the default device, so
    /// every tensor the tests create, and every op over them, goes through it.</summary>
    [ModuleInitializer]
    internal static void Install()
    {
        Backends.Register(Instance);
        if (IsDefault) Backends.Default = Instance;
    }

    /// <summary>Whether this run uses the checking backend as the default device.</summary>
    public static bool IsDefault => Environment.GetEnvironmentVariable(EnvironmentVariable) == "checking";

    /// <inheritdoc/>
    public override Device Device => CheckedDevice;

    /// <summary>How many times <paramref name="kernel"/> was called since the process started.</summary>
    public long Calls(string kernel) => _calls.TryGetValue(kernel, out var n) ? n : 0;

    /// <summary>All calls since the process started.</summary>
    public long TotalCalls => _calls.Values.Sum();

    // ---- checks ---------------------------------------------------------------------------------------

    private void Enter(string kernel, params Tensor?[] args)
    {
        _calls.AddOrUpdate(kernel, 1, (_, n) => n + 1);
        foreach (var t in args) if (t is not null) CheckArgument(kernel, t);
    }

    private void CheckArgument(string kernel, Tensor t)
    {
        if (t.Device != CheckedDevice)
            throw new DeviceMismatchException($"{kernel}: the checking backend was given a tensor on {t.Device} ({t.Describe()}): an op mixed devices or made a tensor on the wrong one.");
        int elementSize = t.DType == DType.Float32 ? 4 : 8;
        bool dtypeOk = t.DType switch
        {
            DType.Float32 => t._storage is Storage<float>,
            DType.Float64 => t._storage is Storage<double>,
            _ => t._storage is Storage<long>,
        };
        if (!dtypeOk) throw new InvalidOperationException($"{kernel}: {t.Describe()} has a storage of another dtype ({t._storage.GetType().Name}).");
        if (t._shape.Length != t._strides.Length) throw new InvalidOperationException($"{kernel}: {t.Describe()} has {t._strides.Length} strides for {t._shape.Length} dims.");
        if (t.NumElements == 0) return;
        long lo = t._offset, hi = t._offset;
        for (int d = 0; d < t._shape.Length; d++)
        {
            long span = (long)(t._shape[d] - 1) * t._strides[d];
            if (span < 0) lo += span; else hi += span;
        }
        if (lo < 0 || hi >= t._storage.Length)
            throw new InvalidOperationException(
                $"{kernel}: the view of {t.Describe()} (offset {t._offset}, strides [{string.Join(", ", t._strides)}]) reaches elements [{lo}, {hi}] " +
                $"of a storage of {t._storage.Length} ({elementSize}-byte) elements.");
    }

    /// <summary>Checks a kernel's result is fresh and contiguous, and moves it to this device: a copy of its elements in
    /// a storage of this backend (not the same array under a second storage: a large result's array belongs to the one
    /// storage the pool gave it to, and goes back to the pool when that storage dies; Note [Host Pool]).</summary>
    private Tensor Result(string kernel, Tensor r)
    {
        if (r._offset != 0 || !r.IsContiguous || r._storage.Length != r.NumElements && r.NumElements > 0)
            throw new InvalidOperationException($"{kernel}: its result {r.Describe()} is not a fresh contiguous tensor (offset {r._offset}, storage {r._storage.Length}).");
        Storage storage = r._storage switch
        {
            Storage<float> f => new Storage<float>((float[])f.Data.Clone(), this),
            Storage<double> d => new Storage<double>((double[])d.Data.Clone(), this),
            Storage<long> l => new Storage<long>((long[])l.Data.Clone(), this),
            _ => throw new InvalidOperationException($"{kernel}: unexpected storage {r._storage.GetType().Name}."),
        };
        return Tensor.FromStorage(storage, r._shape);
    }

    // ---- the kernels ----------------------------------------------------------------------------------

    public override Tensor Full(int[] shape, DType dtype, double value) { Enter("Full"); return Result("Full", base.Full(shape, dtype, value)); }
    public override Tensor FromHost<T>(T[] data, int[] shape) { Enter("FromHost"); return Result("FromHost", base.FromHost(data, shape)); }
    public override T[] ToHost<T>(Tensor t) { Enter("ToHost", t); return base.ToHost<T>(t); }
    public override Tensor Contiguous(Tensor t) { Enter("Contiguous", t); return Result("Contiguous", base.Contiguous(t)); }
    public override Tensor Convert(Tensor t, DType dtype) { Enter("Convert", t); return Result("Convert", base.Convert(t, dtype)); }
    public override void CopyInto(Tensor dst, Tensor src) { Enter("CopyInto", dst, src); base.CopyInto(dst, src); }

    public override Tensor Unary(Tensor x, UnaryKernel op) { Enter("Unary", x); return Result("Unary", base.Unary(x, op)); }
    public override Tensor Binary(Tensor a, Tensor b, BinaryKernel op, int[] outShape) { Enter("Binary", a, b); return Result("Binary", base.Binary(a, b, op, outShape)); }
    public override Tensor Scalar(Tensor x, double s, BinaryKernel op, bool scalarFirst) { Enter("Scalar", x); return Result("Scalar", base.Scalar(x, s, op, scalarFirst)); }
    public override Tensor Compare(Tensor x, double value, CompareKernel op) { Enter("Compare", x); return Result("Compare", base.Compare(x, value, op)); }
    public override Tensor MaskedFill(Tensor x, Tensor mask, double value) { Enter("MaskedFill", x, mask); return Result("MaskedFill", base.MaskedFill(x, mask, value)); }
    public override Tensor ReluGrad(Tensor g, Tensor output) { Enter("ReluGrad", g, output); return Result("ReluGrad", base.ReluGrad(g, output)); }

    public override Tensor ReduceAll(Tensor x, ReduceKernel op) { Enter("ReduceAll", x); return Result("ReduceAll", base.ReduceAll(x, op)); }
    public override Tensor ReduceDim(Tensor x, int dim, ReduceKernel op) { Enter("ReduceDim", x); return Result("ReduceDim", base.ReduceDim(x, dim, op)); }
    public override Tensor ArgMax(Tensor x, int dim) { Enter("ArgMax", x); return Result("ArgMax", base.ArgMax(x, dim)); }
    public override Tensor Softmax(Tensor x, int dim, bool log) { Enter("Softmax", x); return Result("Softmax", base.Softmax(x, dim, log)); }

    public override Tensor MatMul(Tensor a, Tensor b, int[] outShape) { Enter("MatMul", a, b); return Result("MatMul", base.MatMul(a, b, outShape)); }
    public override void AddRowsInPlace(Tensor rows, Tensor bias) { Enter("AddRowsInPlace", rows, bias); base.AddRowsInPlace(rows, bias); }

    public override void AdamUpdate(Tensor p, Tensor g, Tensor m, Tensor v, in AdamHyper h) { Enter("AdamUpdate", p, g, m, v); base.AdamUpdate(p, g, m, v, h); }

    public override Tensor SgdDirection(Tensor p, Tensor grad, ref Tensor? buffer, in SgdHyper h)
    {
        Enter("SgdDirection", p, grad, buffer);
        bool created = buffer is null;
        var delta = Result("SgdDirection", base.SgdDirection(p, grad, ref buffer, h));
        if (created && buffer is not null) buffer = Result("SgdDirection", buffer);
        return delta;
    }
}
