namespace Functional;

// Note [Saved Tensor Versions]
// An op that needs a tensor in its backward saves it with the version its storage had at that moment.
// Backward compares that version with the storage's current one (shared by every view and Detach()
// alias, see Note [Version Counter Sharing]) and refuses to compute a gradient from changed values.
// The engine checks every saved tensor of the graph before it runs any node, so a failing backward
// leaves every accumulator as it was.

/// <summary>A tensor saved by a node for its backward, with the version it had when saved.</summary>
internal sealed class SavedTensor
{
    private Tensor? _tensor;
    private readonly int _version;
    private readonly string? _producer;

    /// <param name="tensor">The tensor to save.</param>
    /// <param name="producer">The grad_fn name of the op that produced it (null for a leaf): an input's own
    /// grad_fn, or the saving node itself for an output it saves.</param>
    /// <param name="site">Where the saving op was called (diagnostics).</param>
    public SavedTensor(Tensor tensor, string? producer, CallSite site = default)
    {
        _tensor = tensor;
        _version = tensor.Version;
        _producer = producer;
        Site = site;
        StorageWrites = tensor._storage.Writes;
    }

    /// <summary>Its storage's write count (<see cref="Storage.Writes"/>) when saved: the graph view compares it with the
    /// version to find writes through a <c>Data</c> alias.</summary>
    public int StorageWrites { get; }

    /// <summary>Where the saving op was called (default when unknown).</summary>
    public CallSite Site { get; }

    /// <summary>The version the tensor had when saved.</summary>
    public int SavedVersion => _version;

    /// <summary>The saved tensor without checking it, or null once released (diagnostics).</summary>
    public Tensor? Peek => _tensor;

    /// <summary>Whether a tracked write changed the tensor since it was saved.</summary>
    public bool IsStale => _tensor is { } t && t.Version != _version;

    public void Check(Node consumer) => Check(consumer, _tensor);

    // Takes the tensor read once by the caller: another thread's backward may Release() in between (concurrent walks
    // of one graph without retainGraph), and a second read would then give null instead of GraphFreedException.
    private void Check(Node consumer, Tensor? tensor)
    {
        var t = tensor ?? throw FreedError(consumer);
        int now = t.Version;
        if (now == _version) return;
        string which = _producer is null ? "" : $", which is output 0 of {_producer},";
        string msg =
            "one of the variables needed for gradient computation has been modified by an inplace operation: " +
            $"[{t.DType.ScalarTypeName()} {Shape.Format(t._shape)}]{which} is at version {now}; expected version {_version} instead. " +
            "Hint: " + Diagnostics.StaleSaveHint(t, consumer, Site, _version, out var writes) +
            " A tracked in-place write (through the tensor itself, a view of it, or a Detach() alias: they all share one version counter) " +
            "changed it after it was saved. Write to a Clone() instead, or make the write after backward. (Writing through .Data would hide the write " +
            "and give a silently wrong gradient.)";
        throw new VersionMismatchException(msg, _version, now, _producer) { Writes = writes, SavedAt = Site, SavedBy = consumer.OpName };
    }

    public Tensor Unpack(Node consumer)
    {
        var t = _tensor;
        Check(consumer, t);
        return t!;
    }

    public void Release() => _tensor = null;

    public static GraphFreedException FreedError(Node consumer) => new(
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
        "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
        "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward. " +
        "In Functional: pass retainGraph: true to the first Backward(...) or Autograd.Grad(...), or run the forward again." +
        ((consumer as FunctionNode)?.FreedBy is { } by ? $" The saved tensors of {consumer.Name} were freed by the {by.Api}{by.Site.At}." : ""));
}
