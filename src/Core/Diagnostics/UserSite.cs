namespace Functional;

// Note [User Call Site]
// Diagnostics name the line where the *user* acted (where a tensor was saved, written, cut). Caller info captures one
// frame, so an op the library calls from inside another op (MatMul of a 1-D operand is an unsqueeze, a MatMul and a
// squeeze; an Nn module's Forward calls Relu) would report the library's own line. Two rules fix that, at the points
// where a site is recorded (Graph.Record, the in-place machinery), once per op:
//   - a composed op opens UserSite.Enter(its caller's site) around the ops it is made of: while it is open, every op
//     on this thread records that site (the outermost scope wins);
//   - a site inside the library's own source tree is never a user's: with no scope open it is recorded as unknown
//     (messages then read fine without it) rather than pointing at our code.
// The cost on the hot path is a thread-static read and, for ops that carry a site, one ordinal prefix test.

/// <summary>The user's call site for the op being recorded (Note [User Call Site]).</summary>
internal static class UserSite
{
    [ThreadStatic] private static CallSite t_site;

    /// <summary>This library's source folder as caller info spells it (ends with a separator), found from this file's own path.</summary>
    private static readonly string LibraryRoot = FindRoot(CallSite.Here().FilePath);

    private static string FindRoot(string here)
    {
        // here = <root>/Diagnostics/UserSite.cs: strip the file and its folder.
        int cut = here.Length;
        for (int k = 0; k < 2 && cut > 0; k++) cut = Math.Max(here.LastIndexOf('/', cut - 1), here.LastIndexOf('\\', cut - 1));
        return cut > 0 ? here[..(cut + 1)] : "\0";   // unknown: matches nothing
    }

    /// <summary>The site to record for an op that was called at <paramref name="own"/>: the open scope's, else
    /// <paramref name="own"/> unless it lies inside the library.</summary>
    public static CallSite Resolve(CallSite own)
    {
        var scope = t_site;
        if (scope.HasAny) return scope;
        return IsLibrary(own) ? default : own;
    }

    private static bool IsLibrary(CallSite site) => site.IsKnown && site.FilePath.StartsWith(LibraryRoot, StringComparison.Ordinal);

    /// <summary>Makes <paramref name="site"/> the site of every op recorded on this thread until the scope is disposed,
    /// unless an outer scope is already open or the site is unknown (then the scope does nothing).</summary>
    public static Scope Enter(CallSite site)
    {
        if (t_site.HasAny || !site.HasAny || IsLibrary(site)) return default;
        t_site = site;
        return new Scope(true);
    }

    /// <summary>Closes an <see cref="Enter"/> scope.</summary>
    public readonly struct Scope(bool owns) : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose()
        {
            if (owns) t_site = default;
        }
    }
}
