namespace Functional;

/// <summary>
/// The library that multiplies matrices on the CPU (<see cref="Blas.Provider"/>). Both give the same results within
/// floating-point rounding; they differ in speed and in where the code comes from.
/// </summary>
public enum GemmProvider
{
    /// <summary>The managed packed GEMM (cache-blocked, SIMD micro-kernels, both cores); always available.</summary>
    Managed,

    /// <summary>OpenBLAS's <c>cblas_sgemm</c> / <c>cblas_dgemm</c>, loaded at run time when the library is present
    /// (<see cref="Blas.OpenBlasAvailable"/>).</summary>
    OpenBlas,
}
