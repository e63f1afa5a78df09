namespace Functional;

/// <summary>The flat buffer behind one or more tensors. The only mutable data in the library; see DESIGN.md.
/// Made by a <see cref="Functional.Backend"/>, which serves every op over it (Note [Backend Seam]).</summary>
internal abstract class Storage(Backend backend)
{
    public abstract DType DType { get; }
    public abstract int Length { get; }

    // The backend by its registration number, not a reference: one byte fits in the padding after Exposed, where a
    // reference would grow every storage by 8 bytes (the tiny-op benchmark pays for each byte an op allocates).
    private readonly byte _backendId = backend.Id;

    /// <summary>The backend whose kernels read and write this storage.</summary>
    public Backend Backend => Backend.ById(_backendId);

    /// <summary>Where the elements live.</summary>
    public Device Device => Backend.Device;

    /// <summary>The backward walk running on this thread when the storage was allocated (0: none). The engine stores a
    /// gradient it created itself, and handed to nobody else, as a leaf's Grad without copying it
    /// (Note [Gradient Accumulation]).</summary>
    public readonly long Walk = Engine.CurrentWalk;

    /// <summary>Set by the walk that allocated this storage when it hands the gradient to a rule, a hook or a
    /// retained grad: then it may be held elsewhere and a leaf gets a copy.</summary>
    public bool Exposed;

    /// <summary>Every in-place write to this storage through any handle, counted next to each version bump. A
    /// <c>Data</c> alias has a version counter of its own, so only this count sees its writes: the graph view flags a
    /// saved tensor whose storage was written more often than its version moved (Note [Graph View]).</summary>
    public int Writes;

    /// <summary>Counts one in-place write (see <see cref="Writes"/>).</summary>
    public void CountWrite() => Interlocked.Increment(ref Writes);
}

/// <summary>Host memory: an array of <typeparamref name="T"/> (float, double or long). The CPU backend's storage, and
/// that of any backend that computes on the host.</summary>
internal sealed class Storage<T>(T[] data, Backend? backend = null) : Storage(backend ?? CpuBackend.Instance) where T : unmanaged
{
    public readonly T[] Data = data;

    private static readonly DType Kind =
        typeof(T) == typeof(float) ? DType.Float32 :
        typeof(T) == typeof(double) ? DType.Float64 :
        typeof(T) == typeof(long) ? DType.Int64 :
        throw new NotSupportedException($"No dtype for {typeof(T)}.");

    public override DType DType => Kind;

    public override int Length => Data.Length;
}
