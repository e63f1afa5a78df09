namespace Functional;

// Note [Version Counter Sharing]
// Every handle that aliases a storage through a view or Detach() holds the same VersionCounter, so a
// tracked in-place write through any of them is seen by every SavedTensor that recorded the version.
// `Data` is the one deliberate exception: it gets a fresh counter, which is why writes through it are
// invisible to autograd (PyTorch's `.data`). Backward checks versions in SavedTensor.Unpack.

/// <summary>Counts the tracked in-place writes to a storage (PyTorch's <c>_version</c>).</summary>
internal sealed class VersionCounter
{
    private int _value;
    private int _rebases;

    public int Value => Volatile.Read(ref _value);

    /// <summary>How many recorded in-place ops rewrote the history of a tensor on this storage. A view taken
    /// before such a rewrite is stale: see Tensor.CheckNotSuperseded.</summary>
    public int Rebases => Volatile.Read(ref _rebases);

    public void Bump() => Interlocked.Increment(ref _value);

    /// <summary>The recent tracked writes (diagnostics), created on the first one. Kept beside the counter (most
    /// storages are never written in place), so ordinary tensors pay nothing for it.</summary>
    public WriteLog? Writes => s_logs.TryGetValue(this, out var log) ? log : null;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<VersionCounter, WriteLog> s_logs = new();

    /// <summary>Bumps the version and logs the write (op, call site, alias written through).</summary>
    public void Bump(string op, CallSite site, CutOrigin? via, bool view)
    {
        int after = Interlocked.Increment(ref _value);
        if (WriteLog.Ambient is { } a) (op, site) = a;
        s_logs.GetValue(this, static _ => new WriteLog()).Add(new InPlaceWrite(op, site, after) { Via = via, ThroughView = view });
    }

    public void BumpRebase() => Interlocked.Increment(ref _rebases);
}
