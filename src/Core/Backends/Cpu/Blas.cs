namespace Functional;

/// <summary>
/// Chooses the matrix-multiply provider behind <see cref="Tensor.MatMul"/>, <see cref="Tensor.Linear"/> and their
/// backward passes. OpenBLAS is used when it loads, the managed GEMM otherwise, unless the environment variable
/// <c>FUNCTIONAL_GEMM</c> (<c>managed</c> or <c>openblas</c>) or <see cref="Provider"/> says which.
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
    /// <c>FUNCTIONAL_GEMM</c> when set, else <see cref="GemmProvider.OpenBlas"/> when available, else
    /// <see cref="GemmProvider.Managed"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Setting <see cref="GemmProvider.OpenBlas"/> when OpenBLAS did not load;
    /// or, on first use, <c>FUNCTIONAL_GEMM</c> names an unknown provider or OpenBLAS when it did not load.</exception>
    public static GemmProvider Provider
    {
        get
        {
            int p = _provider;
            if (p < 0) _provider = p = (int)FromEnvironment();
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

    private static GemmProvider FromEnvironment()
    {
        string? choice = Environment.GetEnvironmentVariable("FUNCTIONAL_GEMM");
        switch (choice?.Trim().ToLowerInvariant())
        {
            case null or "": return OpenBlas.IsAvailable ? GemmProvider.OpenBlas : GemmProvider.Managed;
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
