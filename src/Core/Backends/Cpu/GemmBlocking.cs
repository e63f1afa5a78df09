using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace Functional;

/// <summary>The data caches a core sees, in bytes; <paramref name="L3Sharers"/> logical processors share the L3.</summary>
internal readonly record struct CacheSizes(long L1d, long L2, long L3, int L3Sharers, string Source);

/// <summary>
/// The block sizes of the packed GEMM (<see cref="PackedGemm"/>), derived from the cache sizes of the machine it runs on
/// rather than fixed for one CPU, the way BLIS's analytical model does it (Low et al., "Analytical modeling is enough for
/// high-performance BLIS", 2016):
/// <list type="bullet">
/// <item><see cref="KC"/>, the depth of a packed block: one KC×NR micro-panel of B (reused by every MR×NR tile of a
/// block row) and the MR×KC micro-panel of A streaming past it fit in a share of the L1 data cache;</item>
/// <item><see cref="MC"/>, rows of A per packed block: the MC×KC block of A stays in about half of L2 while the B
/// micro-panels stream over it;</item>
/// <item><see cref="NC"/>, columns of B per packed block: the KC×NC block of B fits in half of this core's share of L3.</item>
/// </list>
/// Each is rounded down to a multiple of MR (MC) or NR (NC) and clamped to a sane range, so a cache size that a
/// hypervisor misreports (an L3 of 508 MiB for two vCPUs on the AMD machine of bench/README.md) cannot produce an absurd
/// block. The cache sizes come from Linux's sysfs, else from CPUID (leaf 4 on Intel, 0x8000001D and then the legacy
/// 0x80000005/6 on AMD), else from <see cref="Fallback"/>; <c>FUNCTIONAL_GEMM_BLOCKING=KC,MC,NC</c> overrides the
/// result. bench/README.md ("GEMM blocking") has the measurements behind the shares.
/// </summary>
internal readonly record struct GemmBlocking(int KC, int MC, int NC)
{
    /// <summary>The bytes of L1d given to the A and B micro-panels, (MR + NR)·KC elements: all but one way of a 12-way
    /// L1d (BLIS's bound: the B micro-panel stays, the A micro-panel streams past it, one way is left for C). Half of L1d
    /// (KC = 136 for the 12×32 float tile) ran 3–6% slower than this (KC = 256) on the AMD machine (bench/README.md).</summary>
    internal static long L1Budget(long l1d) => l1d - l1d / 12;

    /// <summary>The bytes of L2 given to the packed MC×KC block of A: half.</summary>
    internal static long L2Budget(long l2) => l2 / 2;

    /// <summary>The bytes of a core's part of L3 given to the packed KC×NC block of B: half.</summary>
    internal static long L3Budget(long l3PerCore) => l3PerCore / 2;

    /// <summary>The caches assumed when neither sysfs nor CPUID answers: 48 KiB L1d, 2 MiB L2, 2 MiB of L3 per core (about
    /// a Sapphire Rapids core's; for the 12×32 float tile <see cref="Derive"/> gives KC = 256, as tuned there before).</summary>
    internal static readonly CacheSizes Fallback = new(48 << 10, 2 << 20, 2 << 20, 1, "fallback");

    /// <summary>
    /// The blocking for caches of <paramref name="l1d"/>, <paramref name="l2"/> and <paramref name="l3"/> bytes (the L3
    /// shared by <paramref name="l3Sharers"/> logical processors), an MR×NR micro-tile and elements of
    /// <paramref name="elementSize"/> bytes. A pure function: the unit tests feed it made-up caches.
    /// </summary>
    public static GemmBlocking Derive(long l1d, long l2, long l3, int l3Sharers, int mr, int nr, int elementSize)
    {
        if (mr < 1 || nr < 1 || elementSize < 1) throw new ArgumentOutOfRangeException(nameof(mr), "MR, NR and the element size must be positive.");
        l1d = l1d > 0 ? l1d : Fallback.L1d;
        l2 = l2 > 0 ? l2 : Fallback.L2;
        long l3PerCore = l3 > 0 ? l3 / Math.Max(l3Sharers, 1) : Fallback.L3;

        // KC: a multiple of 8 (whole 8×8 transposes when packing, two k-steps per kernel trip), 64..512.
        long kc = L1Budget(l1d) / ((long)(mr + nr) * elementSize);
        kc = Math.Clamp(kc / 8 * 8, 64, 512);
        // MC: whole MR-row panels; at least 4 of them, at most about 1,000 rows.
        long mc = L2Budget(l2) / (kc * elementSize);
        mc = Math.Clamp(mc / mr * mr, 4 * mr, Math.Max(4 * mr, 1024 / mr * mr));
        // NC: whole NR-column panels; 8 to about 4,096 columns' worth (a larger B block buys nothing: the part of a
        // row of C that stays in cache across KC blocks is the limit then).
        long nc = L3Budget(Math.Max(l3PerCore, l2)) / (kc * elementSize);
        nc = Math.Clamp(nc / nr * nr, 8 * nr, Math.Max(8 * nr, 4096 / nr * nr));
        return new((int)kc, (int)mc, (int)nc);
    }

    /// <summary>A blocking that every test or override may use: KC, MC, NC rounded to the tile's multiples, at least one
    /// tile (and 1 step) each.</summary>
    public GemmBlocking RoundedTo(int mr, int nr) =>
        new(Math.Max(1, KC), Math.Max(mr, MC / mr * mr), Math.Max(nr, NC / nr * nr));

    // ---- the blocking in use ----------------------------------------------------------------------------------------

    private static CacheSizes? s_caches;

    /// <summary>The caches of this machine (detected once).</summary>
    public static CacheSizes Caches => s_caches ??= Detect();

    /// <summary>Tests set this to run the GEMM under a blocking of their choice (rounded to the tile); null: derived.</summary>
    internal static GemmBlocking? Override { get; set; }

    private static readonly GemmBlocking? s_environment = Parse(Environment.GetEnvironmentVariable("FUNCTIONAL_GEMM_BLOCKING"));

    /// <summary>The blocking used for an MR×NR tile of <paramref name="elementSize"/>-byte elements.</summary>
    public static GemmBlocking For(int mr, int nr, int elementSize)
    {
        if ((Override ?? s_environment) is { } fixedBlocking) return fixedBlocking.RoundedTo(mr, nr);
        var c = Caches;
        return Derive(c.L1d, c.L2, c.L3, c.L3Sharers, mr, nr, elementSize);
    }

    /// <summary><c>KC,MC,NC</c> (positive integers) as a blocking; null for anything else.</summary>
    internal static GemmBlocking? Parse(string? text)
    {
        var parts = text?.Split(',', StringSplitOptions.TrimEntries);
        if (parts is not { Length: 3 }) return null;
        var v = new int[3];
        for (int i = 0; i < 3; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i]) || v[i] < 1) return null;
        return new(v[0], v[1], v[2]);
    }

    // ---- cache detection --------------------------------------------------------------------------------------------

    /// <summary>sysfs, then CPUID, then <see cref="Fallback"/>.</summary>
    public static CacheSizes Detect() => FromSysfs("/sys/devices/system/cpu/cpu0/cache") ?? FromCpuid() ?? Fallback;

    /// <summary>
    /// The caches as Linux describes them under <paramref name="folder"/> (<c>/sys/devices/system/cpu/cpu0/cache</c>):
    /// <c>index*/level</c>, <c>type</c> (Data, Instruction, Unified), <c>size</c> ("48K") and <c>shared_cpu_list</c>
    /// ("0-7,64-71"). Null when the folder is missing or names no L1 data cache and no L2.
    /// </summary>
    public static CacheSizes? FromSysfs(string folder)
    {
        try
        {
            if (!Directory.Exists(folder)) return null;
            long l1 = 0, l2 = 0, l3 = 0;
            int sharers = 0;
            foreach (var index in Directory.EnumerateDirectories(folder, "index*"))
            {
                string? Read(string name) => File.Exists(Path.Combine(index, name)) ? File.ReadAllText(Path.Combine(index, name)).Trim() : null;
                if (!int.TryParse(Read("level"), NumberStyles.None, CultureInfo.InvariantCulture, out int level)) continue;
                string? type = Read("type");
                if (type is not ("Data" or "Unified")) continue;
                long size = ParseSize(Read("size"));
                if (size <= 0) continue;
                switch (level)
                {
                    case 1: l1 = size; break;
                    case 2: l2 = size; break;
                    case 3: l3 = size; sharers = CountCpus(Read("shared_cpu_list")); break;
                }
            }
            if (l1 <= 0 || l2 <= 0) return null;
            return new(l1, l2, l3, sharers > 0 ? sharers : Environment.ProcessorCount, "sysfs");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>"48K", "2048K", "32M", "1G" or a plain byte count; 0 if unreadable.</summary>
    internal static long ParseSize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        var digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n * unit : 0;
    }

    /// <summary>The number of CPUs in a list such as "0-7,64-71"; 0 if unreadable.</summary>
    internal static int CountCpus(string? list)
    {
        if (string.IsNullOrEmpty(list)) return 0;
        int count = 0;
        foreach (var range in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = range.Split('-');
            if (!int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int lo)) return 0;
            int hi = lo;
            if (ends.Length == 2 && !int.TryParse(ends[1], NumberStyles.None, CultureInfo.InvariantCulture, out hi)) return 0;
            if (ends.Length > 2 || hi < lo) return 0;
            count += hi - lo + 1;
        }
        return count;
    }

    /// <summary>The caches as CPUID reports them (x86 only): the deterministic cache parameters (leaf 4 on Intel,
    /// 0x8000001D on AMD), else AMD's legacy 0x80000005/6; null where neither answers.</summary>
    public static CacheSizes? FromCpuid()
    {
        if (!X86Base.IsSupported) return null;
        var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
        var (maxExtended, _, _, _) = X86Base.CpuId(unchecked((int)0x80000000), 0);
        foreach (int leaf in new[] { 4, unchecked((int)0x8000001D) })
        {
            if ((uint)leaf > (uint)(leaf == 4 ? maxLeaf : maxExtended)) continue;
            long l1 = 0, l2 = 0, l3 = 0;
            int sharers = 0;
            for (int sub = 0; sub < 16; sub++)
            {
                var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, sub);
                int type = eax & 31;                 // 0: no more caches; 1 data, 2 instruction, 3 unified
                if (type == 0) break;
                if (type == 2) continue;
                int level = (eax >> 5) & 7;
                long size = (long)(((ebx >> 22) & 0x3FF) + 1) * (((ebx >> 12) & 0x3FF) + 1) * ((ebx & 0xFFF) + 1) * ((long)(uint)ecx + 1);
                switch (level)
                {
                    case 1: l1 = size; break;
                    case 2: l2 = size; break;
                    case 3: l3 = size; sharers = ((eax >> 14) & 0xFFF) + 1; break;
                }
            }
            if (l1 > 0 && l2 > 0) return new(l1, l2, l3, sharers, leaf == 4 ? "cpuid 4" : "cpuid 0x8000001D");
        }
        if ((uint)maxExtended >= 0x80000006)
        {
            var (_, _, ecx5, _) = X86Base.CpuId(unchecked((int)0x80000005), 0);
            var (_, _, ecx6, edx6) = X86Base.CpuId(unchecked((int)0x80000006), 0);
            long l1 = (long)((uint)ecx5 >> 24) << 10, l2 = (long)((uint)ecx6 >> 16) << 10, l3 = (long)((uint)edx6 >> 18) * (512 << 10);
            if (l1 > 0 && l2 > 0) return new(l1, l2, l3, Environment.ProcessorCount, "cpuid 0x80000005/6");
        }
        return null;
    }
}
