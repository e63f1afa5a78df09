namespace Functional;

/// <summary>Whether ops record graph nodes, per thread (PyTorch's grad mode). Use <see cref="Autograd.NoGrad"/>.</summary>
internal static class GradMode
{
    [ThreadStatic] private static bool _disabled;

    public static bool IsEnabled
    {
        get => !_disabled;
        set => _disabled = !value;
    }

    /// <summary>Sets the mode now; disposing the result restores the mode that was in force before.</summary>
    public static IDisposable Set(bool enabled)
    {
        var scope = new Scope(IsEnabled);
        IsEnabled = enabled;
        return scope;
    }

    private sealed class Scope(bool previous) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            IsEnabled = previous;
        }
    }
}
