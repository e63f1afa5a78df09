namespace Functional;

/// <summary>
/// A seeded source of random numbers, PyTorch's CPU <c>torch.Generator</c>: the same Mersenne Twister (MT19937),
/// seeded the same way, and the same conversions to floats, normals and permutations, so <c>new Generator(s)</c>
/// reproduces what <c>torch.manual_seed(s)</c> gives on the CPU.
/// </summary>
/// <remarks>
/// <para>Note [PyTorch-compatible random streams]: with the same seed, <see cref="Tensor.Rand"/>,
/// <see cref="Tensor.Randperm"/>, <see cref="NextInt"/> (<c>torch.randint</c>), <see cref="Nn.Init.Uniform_"/> and so
/// <see cref="Nn.Linear"/>'s initial weights equal PyTorch 1.13's bit for bit; <see cref="Tensor.Randn"/> follows
/// PyTorch's algorithm exactly (Box–Muller over blocks of 16 uniforms from 16 elements up, the cached scalar form
/// below) and equals it bit for bit in Float64 and within 1e-6 in Float32, where PyTorch uses approximate vector
/// log/sin/cos. A model initialised and shuffled from one generator therefore starts from PyTorch's weights and sees
/// PyTorch's batch order (tests: <c>GeneratorTests</c>, against numbers printed by PyTorch 1.13).</para>
/// <para>The same seed gives the same sequence on every machine and .NET version. Not thread-safe: the library's
/// users of a shared generator lock it.</para>
/// </remarks>
public sealed class Generator
{
    private const int N = 624, M = 397;
    private readonly uint[] _mt = new uint[N];
    private int _index;
    private double? _nextNormal;

    /// <summary>PyTorch's default CPU seed (<c>default_rng_seed_val</c>), used when no generator is given.</summary>
    public const long DefaultSeed = 67280421310721;

    /// <summary>A generator seeded with <paramref name="seed"/>, as <c>torch.manual_seed(seed)</c> (the low 32 bits seed
    /// MT19937, as in PyTorch).</summary>
    public Generator(long seed = 0)
    {
        _mt[0] = unchecked((uint)seed);
        for (uint i = 1; i < N; i++) _mt[i] = unchecked(1812433253u * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + i);
        _index = N;
    }

    internal static Generator Default { get; } = new(DefaultSeed);

    /// <summary>The next 32 random bits (PyTorch's <c>generator->random()</c>).</summary>
    public uint NextUInt32()
    {
        if (_index >= N) Twist();
        uint y = _mt[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        return y ^ (y >> 18);
    }

    private void Twist()
    {
        for (int k = 0; k < N; k++)
        {
            uint y = (_mt[k] & 0x80000000u) | (_mt[(k + 1) % N] & 0x7FFFFFFFu);
            _mt[k] = _mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908B0DFu : 0);
        }
        _index = 0;
    }

    /// <summary>The next 64 random bits: two 32-bit draws, the first in the high half (<c>random64()</c>).</summary>
    public ulong NextUInt64()
    {
        ulong hi = NextUInt32();
        return (hi << 32) | NextUInt32();
    }

    /// <summary>A uniform double in [0, 1): 53 bits of <see cref="NextUInt64"/> (a Float64 <c>torch.rand</c> element).</summary>
    public double NextDouble() => (NextUInt64() & ((1UL << 53) - 1)) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1): 24 bits of <see cref="NextUInt32"/> (a Float32 <c>torch.rand</c> element).</summary>
    public float NextFloat() => (NextUInt32() & ((1u << 24) - 1)) * (1f / (1 << 24));

    /// <summary>A standard normal double, PyTorch's scalar <c>normal_distribution&lt;double&gt;</c>: Box–Muller on two
    /// <see cref="NextDouble"/> draws, returning r·cos θ and keeping r·sin θ for the next call.</summary>
    public double NextNormal()
    {
        if (_nextNormal is double cached) { _nextNormal = null; return cached; }
        double u1 = NextDouble(), u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _nextNormal = r * Math.Sin(theta);
        return r * Math.Cos(theta);
    }

    /// <summary>A uniform integer in [0, <paramref name="n"/>): <see cref="NextUInt32"/> mod n, as <c>torch.randint(n)</c>.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive.");
        return (int)(NextUInt32() % (uint)n);
    }

    /// <summary>A random permutation of 0..n-1, as <c>torch.randperm(n)</c> on the CPU: for i from 0, swap element i
    /// with element i + (random() mod (n - i)).</summary>
    internal int[] Permutation(int n)
    {
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        for (int i = 0; i < n - 1; i++)
        {
            int z = (int)(NextUInt32() % (uint)(n - i));
            (r[i], r[i + z]) = (r[i + z], r[i]);
        }
        return r;
    }

    /// <summary>Fills <paramref name="dst"/> with U(<paramref name="low"/>, <paramref name="high"/>): x·(high − low) + low
    /// with x from <see cref="NextFloat"/>, fused as PyTorch's CPU kernel computes it.</summary>
    internal void FillUniform(Span<float> dst, float low, float high)
    {
        float width = high - low;
        for (int i = 0; i < dst.Length; i++) dst[i] = MathF.FusedMultiplyAdd(NextFloat(), width, low);
    }

    /// <summary>Fills <paramref name="dst"/> with U(<paramref name="low"/>, <paramref name="high"/>) from <see cref="NextDouble"/>.</summary>
    internal void FillUniform(Span<double> dst, double low, double high)
    {
        double width = high - low;
        for (int i = 0; i < dst.Length; i++) dst[i] = Math.FusedMultiplyAdd(NextDouble(), width, low);
    }

    /// <summary>Fills <paramref name="dst"/> with standard normals as PyTorch's <c>normal_</c> does on a contiguous
    /// tensor: below 16 elements one <see cref="NextNormal"/> each; from 16 up, uniforms for every element, Box–Muller
    /// on each block of 16 (element j and j + 8 of a block from one pair), and when the length is not a multiple of 16
    /// the last 16 elements drawn again and transformed as one block.</summary>
    internal void FillNormal(Span<double> dst, bool float32)
    {
        int n = dst.Length;
        if (n < 16)
        {
            for (int i = 0; i < n; i++) dst[i] = NextNormal();
            return;
        }
        for (int i = 0; i < n; i++) dst[i] = float32 ? NextFloat() : NextDouble();
        for (int i = 0; i + 16 <= n; i += 16) BoxMuller16(dst.Slice(i, 16), float32);
        if (n % 16 != 0)
        {
            var tail = dst[^16..];
            for (int i = 0; i < 16; i++) tail[i] = float32 ? NextFloat() : NextDouble();
            BoxMuller16(tail, float32);
        }
    }

    private static void BoxMuller16(Span<double> d, bool float32)
    {
        for (int j = 0; j < 8; j++)
        {
            double u1 = 1 - d[j], u2 = d[j + 8];
            double r = Math.Sqrt(-2 * Math.Log(u1));
            double theta = 2.0 * Math.PI * u2;
            if (float32) theta = (float)theta;
            d[j] = r * Math.Cos(theta);
            d[j + 8] = r * Math.Sin(theta);
        }
    }
}
