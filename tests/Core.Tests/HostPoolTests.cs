using System.Runtime.CompilerServices;

namespace Functional.Tests;

/// <summary>
/// The host pool (Note [Host Pool]): a large array is recycled only after its one storage is dead, comes back zeroed when
/// asked, and stays bounded when results die young. Expected values are the pool's own contract (hand derivation).
/// These run alone (the pool and the collection counts are process-wide).
/// </summary>
[Collection(ProcessWideSettings.Name)]
public class HostPoolTests
{
    // Lengths no other test allocates, so no other storage can take these arrays in between.
    private const int OddLength = 77_773;      // 311 KB of floats: pooled
    private const int OtherLength = 66_671;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float[] AllocateAndDrop(int length, float fill)
    {
        var s = HostPool.Allocate<float>(length, zeroed: false);
        s.Data.AsSpan().Fill(fill);
        return s.Data;   // the array, not the storage: the storage is garbage when this returns
    }

    private static void CollectFully()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void An_array_whose_storage_died_is_handed_to_the_next_storage_of_its_length()
    {
        var first = AllocateAndDrop(OddLength, 1f);
        CollectFully();
        var next = HostPool.Allocate<float>(OddLength, zeroed: false);
        Assert.Same(first, next.Data);
    }

    [Fact]
    public void An_array_whose_storage_is_alive_is_never_handed_out_again()
    {
        var alive = HostPool.Allocate<float>(OtherLength, zeroed: false);
        alive.Data.AsSpan().Fill(7f);
        CollectFully();
        var other = HostPool.Allocate<float>(OtherLength, zeroed: false);
        Assert.NotSame(alive.Data, other.Data);
        other.Data.AsSpan().Fill(-1f);
        Assert.All(alive.Data, v => Assert.Equal(7f, v));
        GC.KeepAlive(alive);
    }

    [Fact]
    public void A_zeroed_allocation_is_zero_even_when_it_reuses_a_written_array()
    {
        var first = AllocateAndDrop(OddLength + 2, 3f);
        CollectFully();
        var next = HostPool.Allocate<float>(OddLength + 2, zeroed: true);
        Assert.Same(first, next.Data);
        Assert.All(next.Data, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Small_arrays_are_not_pooled()
    {
        var s = HostPool.Allocate<float>(100, zeroed: true);
        var before = HostPool.Stats();
        for (int i = 0; i < 10; i++) HostPool.Allocate<float>(1000, zeroed: false);
        var after = HostPool.Stats();
        Assert.Equal(before.Fresh + before.Reused, after.Fresh + after.Reused);
        Assert.Equal(100, s.Length);
    }

    [Fact]
    public void Results_that_die_young_are_recycled_without_growing_the_pool()
    {
        // 400 elementwise results of 1 MiB each, no grad, each dead after the next op: 400 MiB handed out. The pool
        // forces a collection about every 32 MiB (MinBudget), so it allocates fresh only a budget's worth plus a few.
        // (Gen-2 collections are the benchmark's measure, bench --step: here other tests share the process's GC.)
        // On the CPU backend itself: the checking backend (FUNCTIONAL_TEST_DEVICE=checking) copies every result out of the pool.
        var t = Tensor.Rand([262_144], new Generator(1)).To(Device.Cpu);
        using var _ = Autograd.NoGrad();
        (t * 2f + 1f).Relu();   // warm
        var before = HostPool.Stats();
        for (int i = 0; i < 133; i++) (t * 2f + 1f).Relu();
        var after = HostPool.Stats();
        long fresh = after.Fresh - before.Fresh, reused = after.Reused - before.Reused;
        Assert.Equal(399, fresh + reused);
        Assert.True(fresh <= 3 * HostPool.MinBudget / (1 << 20), $"{fresh} fresh arrays of 1 MiB for 399 results ({reused} reused)");
    }
}
