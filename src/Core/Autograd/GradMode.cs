namespace Functional;

/// <summary>Whether ops record graph nodes, per thread (PyTorch's grad mode). Use <see cref="Autograd.NoGrad"/>.</summary>
internal static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    /// <summary>The site of the innermost user scope that turned recording off (diagnostics); null when recording is on
    /// or it was turned off by the library itself (backward, optimizer steps).</summary>
    [ThreadStatic] internal static CallSite? UserScopeSite;

    public static bool IsEnabled
    {
        get => !_disabled;
        set => _disabled = !value;
    }

    /// <summary>Sets the mode now; disposing the result restores the mode that was in force before.</summary>
    public static IDisposable Set(bool enabled)
    {
        var scope = new Scope(IsEnabled, UserScopeSite);
        IsEnabled = enabled;
        UserScopeSite = null;
        return scope;
    }

    /// <summary>As <see cref="Set(bool)"/>, for a user's scope: a scope that turns recording off remembers
    /// <paramref name="site"/> so results computed in it can say where (CutKind.NoGrad).</summary>
    public static IDisposable Set(bool enabled, CallSite site)
    {
        bool named = !enabled && site.HasAny;
        var scope = new Scope(IsEnabled, UserScopeSite, named);
        IsEnabled = enabled;
        UserScopeSite = named ? site : null;
        if (named) Interlocked.Increment(ref s_namedScopes);
        return scope;
    }

    // How many user scopes that turned recording off with a site are open, on any thread. Every op that records
    // nothing (the whole of a backward walk, for one) asks whether it runs in such a scope; a plain static read answers
    // "no" before the thread-static one is read.
    private static int s_namedScopes;

    /// <summary>The site of the user scope this op runs in, if any (see <see cref="UserScopeSite"/>).</summary>
    internal static CallSite? CurrentUserScopeSite => Volatile.Read(ref s_namedScopes) != 0 ? UserScopeSite : null;

    private sealed class Scope(bool previous, CallSite? previousSite, bool named = false) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            IsEnabled = previous;
            UserScopeSite = previousSite;
            if (named) Interlocked.Decrement(ref s_namedScopes);
        }
    }
}
