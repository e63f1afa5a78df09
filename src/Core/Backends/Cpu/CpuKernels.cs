namespace Functional;

// CpuKernels is one class over the files of this folder: host memory (HostMemory.cs: allocate, wrap, strided copy),
// copy and convert (Copy.cs), elementwise (Elementwise.cs), reductions and softmax (Reduce.cs), matrix products
// (Gemm.cs, with PackedGemm/OpenBlas under it). CpuBackend.cs routes the Backend calls to them.

/// <summary>
/// The CPU backend: kernels over storages and view geometry. Kernels never record graph nodes and never check
/// grad mode; the ops in <c>Ops/</c> call them and record. Elementwise work goes through <c>TensorPrimitives</c>.
/// </summary>
internal static partial class CpuKernels
{
    // What every kernel that computes in floating point throws for an Int64 input.
    public static DTypeMismatchException NotForInt64(string op, Tensor x) => DTypeMismatchException.NotForInt64(op, x);
}
