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

    [ThreadStatic] private static long t_stamp;

    /// <summary>The allocation stamp this thread gives every storage it allocates from now on (0, the default: none). A
    /// neutral hook of this layer: whoever needs to recognise the storages it allocated sets it for as long as it needs
    /// and restores the previous value after. The backward walk sets it to the walk's id, so that it can store a gradient
    /// it created itself, and handed to nobody else, as a leaf's Grad without copying it (Note [Gradient Accumulation]).
    /// </summary>
    public static long CurrentStamp
    {
        get => t_stamp;
        set => t_stamp = value;
    }

    /// <summary>The <see cref="CurrentStamp"/> of the thread that allocated this storage, at the time it did.</summary>
    public readonly long AllocationStamp = t_stamp;

    /// <summary>Set by the backward walk that stamped this storage when it hands the gradient to a rule, a hook or a
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
