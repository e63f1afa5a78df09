using System.Runtime.InteropServices;

namespace Functional;

// Note [Host Pool]
// ~~~~~~~~~~~~~~~~
// Why: a result of 85,000 bytes or more (21,250 floats: a 256×784 batch, a 256×512 activation, a 512×512 weight's
// gradient) is a large-object-heap array, and the runtime collects the large-object heap only in gen-2 collections. A
// training step makes a dozen such results that die within the step, so an app that sets no GC option paid a gen-2
// collection every two or three steps and ran at half speed (bench/README.md, "Allocation baseline for issue 19").
// PyTorch frees a result the moment its last reference goes; .NET cannot tell us that, so we recycle instead.
//
// What: every host storage the library allocates of at least MinBytes comes from here (HostPool.Allocate: the CPU
// kernels' results, SGD directions, Dropout masks, dataset batches; arrays a caller hands over are wrapped, not pooled).
// Its array is recorded next to
// a weak handle on the storage that owns it. When a storage is found dead, its array goes to a free list keyed by
// element type and exact length (storages assume Length == NumElements of a fresh result: Engine's gradient stealing,
// the kernels' spans), and the next allocation of that length takes it instead of asking the runtime. In steady state a
// training step allocates no large arrays at all, so nothing triggers a gen-2 collection.
//
// When is a storage found dead? Only a collection can say, and this pool runs no finalizer thread and takes no
// callback: each allocation checks whether a gen-0 collection happened since the last look (one cheap call) and then
// sweeps the weak handles. Small allocations (the graph nodes, the tensors) bring gen-0 collections on their own; where
// they do not come often enough, the pool brings one itself: when no array of the asked length is free and the bytes
// it handed out (fresh or reused) since the last sweep pass Budget = max(MinBudget, the bytes still held by live
// storages at that sweep), it runs a gen-1 collection before it allocates fresh (Go's GOGC=100 rule: collect when what
// was handed out since the last collection matches what survived it). Counting reused arrays too is what bounds the
// pool: it holds about the live bytes plus one budget. A gen-1 collection of a small young heap takes about 30 µs here
// and never walks the pooled arrays (they sit in the large-object heap); fresh memory costs a page fault per 4 KiB the
// first time it is written, which on these virtual machines measured milliseconds for a 16 MiB result.
//
// Free lists nobody took from in IdleSweeps sweeps are dropped while the free bytes exceed a budget, so memory held for
// a shape the program stopped using goes back to the runtime at its next full collection.
//
// The one rule for code that reads or writes a storage's array: keep the tensor (or the storage) reachable until done.
// Otherwise the JIT may treat it as dead while a span into its array is still in use, a collection in between finds it
// dead, and the array is handed to the next result of that length. Each CpuBackend method ends with GC.KeepAlive on its
// tensor arguments; Tensor's readers (ToArray, Item, printing) do the same. An array taken from a pooled storage is never
// given to a second storage or to a caller (ToHost copies), so ownership stays one storage to one array.
//
// The alternatives, measured or reasoned: native memory with AddMemoryPressure makes the runtime schedule gen-2
// collections of its own; a finalizer per storage adds a finalizer thread, makes every large storage survive one more
// collection and still needs the keep-alive rule; setting GCLOHThreshold is the app's decision, which scripts and
// notebooks cannot make.
internal static class HostPool
{
    /// <summary>The size from which arrays are pooled: the runtime's large-object threshold. Below it an array dies
    /// cheaply in gen 0, and pooling would only add the bookkeeping.</summary>
    public const int MinBytes = 85_000;

    /// <summary>The least the pool hands out (fresh or reused) between two sweeps before a miss makes it ask for a
    /// collection (see <see cref="Budget"/>).</summary>
    public const long MinBudget = 32L << 20;

    /// <summary>Sweeps after which a free list nobody took from is dropped.</summary>
    public const int IdleSweeps = 8;

    private readonly record struct Entry(GCHandle Owner, Array Array, long Bytes);

    private sealed class FreeList
    {
        public readonly Stack<Array> Arrays = new();
        public int LastTakenSweep;
    }

    private static readonly Lock Gate = new();
    private static readonly List<Entry> Live = [];
    private static readonly Dictionary<(Type, int), FreeList> Free = [];
    private static int s_seenGen0 = -1;
    private static int s_sweeps;
    private static long s_handedSinceSweep;
    private static long s_liveBytes;
    private static long s_liveAtSweep;
    private static long s_freeBytes;
    private static long s_freshCount, s_reusedCount, s_forcedCount;

    /// <summary>A storage of <paramref name="length"/> elements: zero-filled when <paramref name="zeroed"/>, else with
    /// whatever the array held (the caller writes every element).</summary>
    public static Storage<T> Allocate<T>(int length, bool zeroed) where T : unmanaged
    {
        long bytes = (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (bytes < MinBytes)
            return new Storage<T>(zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length));
        T[]? array;
        lock (Gate)
        {
            int gen0 = GC.CollectionCount(0);
            if (gen0 != s_seenGen0) Sweep(gen0);
            array = Take<T>(length, bytes);
            if (array is null && s_handedSinceSweep + bytes > Budget)
            {
                // No array of this length is free, and enough has been handed out since the last sweep that some of it
                // is likely dead: a collection is cheaper than fresh memory (a fresh large array costs a page fault per
                // 4 KiB the first time it is written: milliseconds for a few MiB).
                GC.Collect(1, GCCollectionMode.Forced, blocking: true);
                s_forcedCount++;
                Sweep(GC.CollectionCount(0));
                array = Take<T>(length, bytes);
            }
            if (array is null) s_freshCount++;
            else s_reusedCount++;
            s_handedSinceSweep += bytes;
            s_liveBytes += bytes;
        }
        if (array is null) array = zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        else if (zeroed) Array.Clear(array);
        var storage = new Storage<T>(array);
        var owner = GCHandle.Alloc(storage, GCHandleType.WeakTrackResurrection);
        lock (Gate) Live.Add(new Entry(owner, array, bytes));
        return storage;
    }

    /// <summary>The bytes the pool hands out (fresh or reused) between two sweeps before a miss forces a collection:
    /// max(MinBudget, what was still live at the last sweep). So the pool holds at most about twice the live bytes plus
    /// MinBudget, and forces a collection at most once per Budget bytes handed out.</summary>
    private static long Budget => Math.Max(MinBudget, s_liveAtSweep);

    private static T[]? Take<T>(int length, long bytes)
    {
        if (!Free.TryGetValue((typeof(T), length), out var list) || list.Arrays.Count == 0) return null;
        list.LastTakenSweep = s_sweeps;
        s_freeBytes -= bytes;
        return (T[])list.Arrays.Pop();
    }

    /// <summary>Moves the arrays of dead storages to the free lists and drops idle free lists. Under the lock.</summary>
    private static void Sweep(int gen0)
    {
        s_seenGen0 = gen0;
        s_sweeps++;
        s_handedSinceSweep = 0;
        int kept = 0;
        for (int i = 0; i < Live.Count; i++)
        {
            var e = Live[i];
            if (e.Owner.Target is not null) { Live[kept++] = e; continue; }
            e.Owner.Free();
            s_liveBytes -= e.Bytes;
            var key = (e.Array.GetType().GetElementType()!, e.Array.Length);
            if (!Free.TryGetValue(key, out var list)) Free[key] = list = new FreeList { LastTakenSweep = s_sweeps };
            list.Arrays.Push(e.Array);
            s_freeBytes += e.Bytes;
        }
        Live.RemoveRange(kept, Live.Count - kept);
        s_liveAtSweep = s_liveBytes;
        if (s_freeBytes <= Budget) return;   // trim only what is more than a budget's worth
        List<(Type, int)>? idle = null;
        foreach (var (key, list) in Free)
            if (s_sweeps - list.LastTakenSweep >= IdleSweeps) (idle ??= []).Add(key);
        if (idle is null) return;
        foreach (var key in idle)
        {
            var list = Free[key];
            foreach (var a in list.Arrays) s_freeBytes -= Buffer.ByteLength(a);
            Free.Remove(key);
        }
    }

    /// <summary>Sweeps now: after a collection the caller made, moves the arrays of storages it found dead to the free
    /// lists (the benchmarks' live-heap figure).</summary>
    public static void SweepNow()
    {
        lock (Gate) Sweep(GC.CollectionCount(0));
    }

    /// <summary>What the pool holds now (bytes in arrays owned by storages not yet found dead, and in free lists) and
    /// what it has done since the process started (sweeps, arrays allocated fresh, arrays reused, collections it forced).
    /// For tests and the benchmarks.</summary>
    public static PoolStats Stats()
    {
        lock (Gate) return new(s_liveBytes, s_freeBytes, s_sweeps, s_freshCount, s_reusedCount, s_forcedCount);
    }
}

/// <summary>A snapshot of <see cref="HostPool"/>'s counters.</summary>
internal readonly record struct PoolStats(long LiveBytes, long FreeBytes, int Sweeps, long Fresh, long Reused, long Forced);
