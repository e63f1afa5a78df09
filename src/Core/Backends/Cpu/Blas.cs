namespace Functional;

/// <summary>
/// Chooses the matrix-multiply provider behind <see cref="Tensor.MatMul"/>, <see cref="Tensor.Linear"/> and their
/// backward passes: the managed packed GEMM, unless the environment variable <c>FUNCTIONAL_GEMM</c> (<c>managed</c> or
/// <c>openblas</c>) or <see cref="Provider"/> asks for OpenBLAS. OpenBLAS is never picked just because it loads: as a
/// user's machine has it, it picks kernels by its own CPU table (Haswell or Prescott kernels on the AMD Zen 5 and Intel
/// Sapphire Rapids machines in bench/README.md) and reached 0.55–0.8× the managed GEMM on the first and about 0.25× on the
/// second.
/// OpenBLAS is looked for at the path in <c>FUNCTIONAL_OPENBLAS</c> if set, then as <c>libopenblas.so.0</c> (Debian's
/// <c>libopenblas0-pthread</c>) and <c>libopenblas</c> on the loader's search path. PyTorch fixes its BLAS when it is
/// built (<c>torch.__config__.show()</c> reports it); here it is a run-time choice, and a missing library is never an
/// error unless OpenBLAS was asked for.
/// </summary>
public static class Blas
{
    private static volatile int _provider = -1;   // -1: not chosen yet (read the environment on first use)

    /// <summary>True when OpenBLAS loaded and exports <c>cblas_sgemm</c> and <c>cblas_dgemm</c>.</summary>
    public static bool OpenBlasAvailable => OpenBlas.IsAvailable;

    /// <summary>The path or name OpenBLAS was loaded from, or null when it is not available.</summary>
    public static string? OpenBlasLibrary => OpenBlas.LoadedFrom;

    /// <summary>
    /// The provider used by every CPU matrix product from now on (process-wide). Defaults to
    /// <c>FUNCTIONAL_GEMM</c> when set, else <see cref="GemmProvider.Managed"/> (see the class remarks for why not OpenBLAS
    /// whenever it loads).
    /// </summary>
    /// <exception cref="InvalidOperationException">Setting <see cref="GemmProvider.OpenBlas"/> when OpenBLAS did not load;
    /// or, on first use, <c>FUNCTIONAL_GEMM</c> names an unknown provider or OpenBLAS when it did not load.</exception>
    public static GemmProvider Provider
    {
        get
        {
            int p = _provider;
            if (p < 0) _provider = p = (int)Choose(Environment.GetEnvironmentVariable("FUNCTIONAL_GEMM"));
            return (GemmProvider)p;
        }
        set
        {
            if (value == GemmProvider.OpenBlas && !OpenBlas.IsAvailable)
                throw new InvalidOperationException($"Blas.Provider = OpenBlas: {OpenBlas.NotLoadedReason()}");
            if (value is not (GemmProvider.Managed or GemmProvider.OpenBlas))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Blas.Provider must be GemmProvider.Managed or GemmProvider.OpenBlas.");
            _provider = (int)value;
        }
    }

    /// <summary>The provider <c>FUNCTIONAL_GEMM=<paramref name="choice"/></c> asks for (null or empty: unset).</summary>
    internal static GemmProvider Choose(string? choice)
    {
        switch (choice?.Trim().ToLowerInvariant())
        {
            case null or "": return GemmProvider.Managed;   // the measured default (bench/README.md, "GEMM provider")
            case "managed": return GemmProvider.Managed;
            case "openblas":
                if (!OpenBlas.IsAvailable)
                    throw new InvalidOperationException($"FUNCTIONAL_GEMM=openblas: {OpenBlas.NotLoadedReason()} Or unset FUNCTIONAL_GEMM to fall back to the managed GEMM.");
                return GemmProvider.OpenBlas;
            default:
                throw new InvalidOperationException($"FUNCTIONAL_GEMM must be 'managed' or 'openblas', got '{choice}'.");
        }
    }
}
