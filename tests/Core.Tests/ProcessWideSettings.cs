namespace Functional.Tests;

/// <summary>
/// Tests that change a process-wide setting (<c>Blas.Provider</c>) run alone, after the parallel ones: while GemmTests
/// switches the GEMM provider to OpenBLAS (where it loads), a test in another class training in parallel would multiply
/// on it for a while and lose bit-for-bit reproducibility (CliTests' checkpoint resume failed so once).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideSettings
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Process-wide settings";
}
