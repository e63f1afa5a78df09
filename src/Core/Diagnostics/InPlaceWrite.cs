namespace Functional;

/// <summary>One tracked in-place write to a storage: the op, where it was called, the version it left, and the
/// alias it went through (e.g. <c>a Detach() alias created at Train.cs:13</c>; null when written through the tensor
/// itself).</summary>
/// <param name="Op">The in-place op, e.g. <c>Zero_</c>, or <c>Adam.Step</c> for an optimizer's update.</param>
/// <param name="Site">Where it was called.</param>
/// <param name="VersionAfter">The storage's version after the write.</param>
public readonly record struct InPlaceWrite(string Op, CallSite Site, int VersionAfter)
{
    /// <summary>The cut alias (Detach()/Data/...) the write went through, or null.</summary>
    internal CutOrigin? Via { get; init; }

    /// <summary>Whether the write went through a view of the storage's tensor.</summary>
    public bool ThroughView { get; init; }

    /// <summary>The alias written through, described (<c>a Detach() alias created at Train.cs:13</c>, <c>a view</c>),
    /// or null when written through the tensor itself.</summary>
    public string? Through => Via is null ? (ThroughView ? "a view" : null) : ThroughView ? "a view of " + Via.AliasDescription : Via.AliasDescription;

    /// <summary>E.g. <c>Zero_ through a Detach() alias created at Train.cs:13, written at Train.cs:14 (version 1)</c>.</summary>
    public override string ToString()
    {
        string op = !Site.IsKnown && Site.HasAny ? $"{Op} ({Site.Member})" : Op;
        return Through is null ? $"{op}{Site.At} (version {VersionAfter})"
             : Site.IsKnown ? $"{op} through {Through}, written{Site.At} (version {VersionAfter})"
             : $"{op} through {Through} (version {VersionAfter})";
    }
}

/// <summary>The last <see cref="Capacity"/> tracked writes to one version-counter family (a storage and its views
/// and Detach() aliases). Allocated on the first write; a write then costs a lock and a struct store.</summary>
internal sealed class WriteLog
{
    public const int Capacity = 8;
    private readonly InPlaceWrite[] _ring = new InPlaceWrite[Capacity];
    private int _count;   // total writes logged

    /// <summary>The optimizer step (or other library routine) running on this thread, whose name and caller
    /// replace the in-place op's own in the log (so a write by Adam reads "Adam.Step at Train.cs:40").</summary>
    [ThreadStatic] internal static (string Op, CallSite Site)? Ambient;

    public void Add(in InPlaceWrite w)
    {
        lock (_ring)
        {
            _ring[_count % Capacity] = w;
            _count++;
        }
    }

    /// <summary>The logged writes, oldest first.</summary>
    public InPlaceWrite[] Recent()
    {
        lock (_ring)
        {
            int n = Math.Min(_count, Capacity);
            var r = new InPlaceWrite[n];
            for (int i = 0; i < n; i++) r[i] = _ring[(_count - n + i) % Capacity];
            return r;
        }
    }

    /// <summary>The logged writes that took the version past <paramref name="version"/>, oldest first.</summary>
    public InPlaceWrite[] Since(int version) => Recent().Where(w => w.VersionAfter > version).ToArray();

    /// <summary>Whether writes before the oldest logged one were dropped.</summary>
    public bool Truncated { get { lock (_ring) return _count > Capacity; } }
}
