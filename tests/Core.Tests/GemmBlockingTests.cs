namespace Functional.Tests;

/// <summary>
/// The GEMM's block sizes as a pure function of the caches (<see cref="GemmBlocking.Derive"/>), fed made-up cache sizes,
/// and the cache detection, fed a made-up sysfs folder. The products under other blockings are checked against the
/// reference in <see cref="GemmTests"/>.
/// </summary>
public class GemmBlockingTests
{
    /// <summary>L1d, L2, L3 (bytes), logical processors sharing the L3: real parts and odd or broken ones.</summary>
    public static TheoryData<long, long, long, int> Caches => new()
    {
        { 48 << 10, 1 << 20, 32 << 20, 8 },        // AMD Zen 5 (one CCX)
        { 48 << 10, 2 << 20, 105 << 20, 56 },      // Intel Sapphire Rapids
        { 32 << 10, 256 << 10, 8 << 20, 8 },       // an older desktop part
        { 32 << 10, 512 << 10, 0, 0 },             // no L3 reported
        { 64 << 10, 4 << 20, 16 << 20, 10 },       // Apple-like large caches
        { 48 << 10, 1 << 20, 508L << 20, 2 },      // a hypervisor's L3 of 508 MiB for two vCPUs (the AMD machine here)
        { 4 << 10, 16 << 10, 64 << 10, 64 },       // absurdly small
        { 1L << 30, 1L << 32, 1L << 36, 1 },       // absurdly large
    };

    public static TheoryData<int, int, int> Tiles => new()
    {
        { 12, 32, 4 },   // AVX-512 float
        { 12, 16, 8 },   // AVX-512 double
        { 6, 16, 4 },    // AVX2 float (the portable kernel)
        { 6, 8, 8 },     // AVX2 double
        { 6, 8, 4 },     // NEON / SSE float
    };

    [Theory]
    [MemberData(nameof(Caches))]
    public void Derived_blocks_are_whole_tiles_within_their_ranges_and_fit_their_caches(long l1, long l2, long l3, int sharers)
    {
        foreach (var (mr, nr, size) in new[] { (12, 32, 4), (12, 16, 8), (6, 16, 4), (6, 8, 8), (6, 8, 4), (14, 32, 4), (8, 48, 4) })
        {
            var b = GemmBlocking.Derive(l1, l2, l3, sharers, mr, nr, size);
            string what = $"{b} for L1 {l1}, L2 {l2}, L3 {l3}/{sharers}, {mr}x{nr}x{size}";
            Assert.True(b.KC % 8 == 0 && b.KC is >= 64 and <= 512, what);
            Assert.True(b.MC % mr == 0 && b.MC >= 4 * mr && b.MC <= Math.Max(4 * mr, 1024), what);
            Assert.True(b.NC % nr == 0 && b.NC >= 8 * nr && b.NC <= Math.Max(8 * nr, 4096), what);
            // Each block fits its cache share unless a lower clamp forced it up.
            if (b.KC > 64) Assert.True((long)(mr + nr) * b.KC * size <= GemmBlocking.L1Budget(l1), what);
            if (b.MC > 4 * mr) Assert.True((long)b.MC * b.KC * size <= GemmBlocking.L2Budget(l2), what);
            long l3PerCore = l3 > 0 ? l3 / Math.Max(sharers, 1) : GemmBlocking.Fallback.L3;
            if (b.NC > 8 * nr) Assert.True((long)b.NC * b.KC * size <= GemmBlocking.L3Budget(Math.Max(l3PerCore, l2)), what);
            // And a block one tile (or 8 steps) larger would not have fitted, unless an upper clamp stopped it.
            if (b.KC < 512) Assert.True((long)(mr + nr) * (b.KC + 8) * size > GemmBlocking.L1Budget(l1) || b.KC == 64, what);
            if (b.MC < 1024 / mr * mr && b.MC > 4 * mr) Assert.True((long)(b.MC + mr) * b.KC * size > GemmBlocking.L2Budget(l2), what);
        }
    }

    [Theory]
    [MemberData(nameof(Tiles))]
    public void Larger_caches_never_give_smaller_blocks(int mr, int nr, int size)
    {
        var small = GemmBlocking.Derive(32 << 10, 512 << 10, 8 << 20, 8, mr, nr, size);
        var l2Only = GemmBlocking.Derive(32 << 10, 2 << 20, 8 << 20, 8, mr, nr, size);
        var all = GemmBlocking.Derive(64 << 10, 2 << 20, 64 << 20, 8, mr, nr, size);
        Assert.Equal(small.KC, l2Only.KC);   // KC depends on L1 alone
        Assert.True(l2Only.MC >= small.MC, $"{l2Only} vs {small}");
        Assert.True(all.KC >= l2Only.KC && all.NC >= l2Only.NC, $"{all} vs {l2Only}");
    }

    [Fact]
    public void The_known_parts_get_the_blocks_measured_for_them()
    {
        // AMD Zen 5 (48 KiB, 1 MiB, 32 MiB per 8 cores) and Sapphire Rapids (48 KiB, 2 MiB): KC = 256 for the 12×32 float
        // tile, the depth measured best on both; MC = half of L2.
        Assert.Equal(new GemmBlocking(256, 504, 2048), GemmBlocking.Derive(48 << 10, 1 << 20, 32 << 20, 8, 12, 32, 4));
        Assert.Equal(new GemmBlocking(256, 1020, 1920), GemmBlocking.Derive(48 << 10, 2 << 20, 105 << 20, 28, 12, 32, 4));
        Assert.Equal(256, GemmBlocking.Derive(0, 0, 0, 0, 12, 32, 4).KC);   // the fallback caches
    }

    [Fact]
    public void Unknown_caches_fall_back_to_the_defaults()
    {
        Assert.Equal(GemmBlocking.Derive(GemmBlocking.Fallback.L1d, GemmBlocking.Fallback.L2, GemmBlocking.Fallback.L3, 1, 12, 32, 4),
                     GemmBlocking.Derive(0, 0, 0, 0, 12, 32, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmBlocking.Derive(1, 1, 1, 1, 0, 32, 4));
    }

    [Fact]
    public void The_detected_caches_are_plausible()
    {
        var c = GemmBlocking.Detect();
        Assert.True(c.L1d >= 4 << 10 && c.L2 >= c.L1d && c.L3Sharers >= 0, c.ToString());
        var b = GemmBlocking.For(12, 32, 4);
        Assert.True(b.KC > 0 && b.MC > 0 && b.NC > 0, b.ToString());
    }

    [Fact]
    public void A_sysfs_cache_folder_is_read_by_level_and_type()
    {
        var dir = Directory.CreateTempSubdirectory("functional-sysfs-").FullName;
        try
        {
            Index(dir, 0, 1, "Data", "48K", "0");
            Index(dir, 1, 1, "Instruction", "32K", "0");
            Index(dir, 2, 2, "Unified", "2048K", "0");
            Index(dir, 3, 3, "Unified", "107520K", "0-27,56-83");
            Assert.Equal(new CacheSizes(48 << 10, 2 << 20, 105 << 20, 56, "sysfs"), GemmBlocking.FromSysfs(dir));

            // No L3 (many ARM parts): the L3 is 0 and shared by every processor, which Derive reads as "unknown".
            Directory.Delete(Path.Combine(dir, "index3"), recursive: true);
            Assert.Equal(new CacheSizes(48 << 10, 2 << 20, 0, Environment.ProcessorCount, "sysfs"), GemmBlocking.FromSysfs(dir));

            // No L1 data cache readable: not an answer (the caller goes on to CPUID).
            File.WriteAllText(Path.Combine(dir, "index0", "size"), "garbage");
            Assert.Null(GemmBlocking.FromSysfs(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
        Assert.Null(GemmBlocking.FromSysfs(Path.Combine(dir, "missing")));
    }

    [Theory]
    [InlineData("48K", 48L << 10)]
    [InlineData("2048K", 2L << 20)]
    [InlineData("32M", 32L << 20)]
    [InlineData("1G", 1L << 30)]
    [InlineData("65536", 65536L)]
    [InlineData("", 0L)]
    [InlineData("K", 0L)]
    [InlineData("-5K", 0L)]
    public void Cache_sizes_parse_as_sysfs_writes_them(string text, long bytes) => Assert.Equal(bytes, GemmBlocking.ParseSize(text));

    [Theory]
    [InlineData("0", 1)]
    [InlineData("0-7", 8)]
    [InlineData("0-27,56-83", 56)]
    [InlineData("1,3,5", 3)]
    [InlineData("", 0)]
    [InlineData("3-1", 0)]
    [InlineData("a-b", 0)]
    public void Cpu_lists_count_their_processors(string list, int count) => Assert.Equal(count, GemmBlocking.CountCpus(list));

    [Theory]
    [InlineData("256,192,2048", 256, 192, 2048)]
    [InlineData(" 64 , 12 , 32 ", 64, 12, 32)]
    public void The_environment_override_parses(string text, int kc, int mc, int nc) =>
        Assert.Equal(new GemmBlocking(kc, mc, nc), GemmBlocking.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("256,192")]
    [InlineData("256,0,2048")]
    [InlineData("256,-1,2048")]
    [InlineData("a,b,c")]
    public void A_malformed_override_is_ignored(string? text) => Assert.Null(GemmBlocking.Parse(text));

    private static void Index(string root, int i, int level, string type, string size, string shared)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, $"index{i}")).FullName;
        File.WriteAllText(Path.Combine(dir, "level"), $"{level}\n");
        File.WriteAllText(Path.Combine(dir, "type"), $"{type}\n");
        File.WriteAllText(Path.Combine(dir, "size"), $"{size}\n");
        File.WriteAllText(Path.Combine(dir, "shared_cpu_list"), $"{shared}\n");
    }
}
