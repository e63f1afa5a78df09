using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;

namespace Functional;

/// <summary>
/// One Adam/AdamW update in a single pass over the parameter, its gradient and both moments, with PyTorch 1.13 / 2.x
/// single-tensor arithmetic per element (the same float operations in the same order, each rounded, no fused
/// multiply-add), so it equals the sequence of in-place tensor ops PyTorch runs:
/// <code>
/// param.mul_(1 - lr*wd)                                   # AdamW
/// grad = grad.add(param, alpha=wd)                        # Adam with weight decay
/// exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
/// exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
/// denom = (exp_avg_sq.sqrt() / sqrt(bias_correction2)).add_(eps)
/// param.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
/// </code>
/// Two things make it faster than PyTorch's loop without changing a bit of the result:
/// <list type="bullet">
/// <item>Large parameters are split over the cores (<see cref="ForkJoin"/>); elements are independent.</item>
/// <item>Subnormal floats. A moment whose gradient stays zero (a dead ReLU's weights, an always-black pixel's) decays
/// by beta1 every step and is subnormal after about 650 steps, where it stays: round(0.9 * k * 2^-149) is k again for
/// k ≤ 4. On x86 every vector instruction that reads or makes a subnormal then takes a microcode assist of ~100+
/// cycles (Intel; unless flush-to-zero is on, which .NET cannot set and PyTorch leaves off), and Adam's step became 6×
/// slower on a Sapphire Rapids Xeon after 700 steps of the benchmark's training loop (PyTorch slows the same way). Float
/// vectors holding a value that is nonzero and tiny (<see cref="TinyM"/> etc.: far from the subnormal range, but
/// near enough that a product could land in it) take another way (<see cref="ApplyFloat8"/>): tiny moments are zeroed
/// where that provably changes no bit, and otherwise the same operations run in double, where these values are
/// normal, each rounded to float exactly as the float operation would round it (<see cref="ApplyTiny8"/>; subnormal
/// results by integer arithmetic). Double rounding is innocuous here (double has more than 2·24 + 2 bits), so the
/// result is bit-identical to the float arithmetic, and no instruction sees a subnormal. This needs Vector256; without
/// it (no AVX) the plain float arithmetic runs, equally exact, assists and all.</item>
/// </list>
/// </summary>
internal readonly unsafe struct AdamStep<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Grain = 1 << 15;   // elements per part when a parameter is split over the cores

    // Float bit patterns (magnitude) below which a nonzero input leaves the plain float arithmetic (ApplyFloat8): a
    // tiny moment (TinyM) is zeroed where that is exact, any other tiny input sends the vector to ApplyTiny8. Above
    // them no product or quotient of the update reaches the subnormal range for ordinary hyperparameters (only speed
    // depends on the bounds; every way gives the same bits).
    private const uint TinyM = (127 - 90) << 23, TinyV = (127 - 100) << 23, TinyG = (127 - 55) << 23, TinyP = (127 - 60) << 23;

    private static readonly double MinNormal = Math.ScaleB(1.0, -126);   // float's smallest normal
    private static readonly double Quantum = Math.ScaleB(1.0, -149);     // float's subnormal spacing
    private static readonly double InvQuantum = Math.ScaleB(1.0, 149);

    private readonly T _b1, _1mb1, _b2, _1mb2, _eps, _wd, _decay, _sqrtBc2, _negStepSize;
    private readonly bool _coupledDecay, _decoupledDecay;

    public AdamStep(double beta1, double beta2, double eps, double lr, double wd, bool decoupled, double step)
    {
        static T S(double v) => T.CreateTruncating(v);
        _b1 = S(beta1); _1mb1 = S(1 - beta1); _b2 = S(beta2); _1mb2 = S(1 - beta2); _eps = S(eps); _wd = S(wd);
        _decay = S(1 - lr * wd);
        _sqrtBc2 = S(Math.Sqrt(1 - Math.Pow(beta2, step)));
        _negStepSize = S(-(lr / (1 - Math.Pow(beta1, step))));
        _coupledDecay = !decoupled && wd != 0;
        _decoupledDecay = decoupled && wd != 0;
    }

    /// <summary>Updates p, m and v from g (all of one length), on every core when they are long.</summary>
    public void Run(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v)
    {
        int n = p.Length;
        if (g.Length != n || m.Length != n || v.Length != n) throw new ArgumentException("Adam: parameter, gradient and state lengths differ.");
        int parts = Math.Min(ForkJoin.Threads, n / Grain);
        if (parts <= 1)
        {
            Apply(p, g, m, v);
            return;
        }
        fixed (T* pp = p, pg = g, pm = m, pv = v)
        {
            var job = new Parts(this, pp, pg, pm, pv, n, parts);
            ForkJoin.Run(parts, job, static (j, part) => j.Run(part));
        }
    }

    /// <summary>A parameter cut into <paramref name="count"/> slices of whole vectors; the pointers are pinned by the caller
    /// for the duration of <see cref="ForkJoin.Run"/>.</summary>
    private readonly struct Parts(AdamStep<T> step, T* p, T* g, T* m, T* v, int n, int count)
    {
        private readonly AdamStep<T> Step = step;
        private readonly T* P = p, G = g, M = m, V = v;
        private readonly int N = n, Count = count;

        public void Run(int part)
        {
            int w = Vector<T>.Count;
            int lo = (int)((long)N * part / Count) / w * w, hi = part == Count - 1 ? N : (int)((long)N * (part + 1) / Count) / w * w;
            Step.Apply(new Span<T>(P + lo, hi - lo), new ReadOnlySpan<T>(G + lo, hi - lo), new Span<T>(M + lo, hi - lo), new Span<T>(V + lo, hi - lo));
        }
    }

    /// <summary>Updates p, m and v from g on the calling thread.</summary>
    public void Apply(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v)
    {
        int n = p.Length, i = 0;
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
            i = ApplyFloat8(Cast(p), Cast(g), Cast(m), Cast(v));
        else if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<T>.Count;
            var b1 = new Vector<T>(_b1); var c1 = new Vector<T>(_1mb1); var b2 = new Vector<T>(_b2); var c2 = new Vector<T>(_1mb2);
            var eps = new Vector<T>(_eps); var wd = new Vector<T>(_wd); var decay = new Vector<T>(_decay);
            var sqrtBc2 = new Vector<T>(_sqrtBc2); var negStep = new Vector<T>(_negStepSize);
            for (; i + w <= n; i += w)
            {
                var pi = new Vector<T>(p[i..]);
                var gi = new Vector<T>(g[i..]);
                if (_decoupledDecay) pi *= decay;
                if (_coupledDecay) gi = pi * wd + gi;
                var mi = new Vector<T>(m[i..]) * b1 + gi * c1;
                var vi = new Vector<T>(v[i..]) * b2 + gi * c2 * gi;
                var denom = Vector.SquareRoot(vi) / sqrtBc2 + eps;
                pi += mi * negStep / denom;
                mi.CopyTo(m[i..]); vi.CopyTo(v[i..]); pi.CopyTo(p[i..]);
            }
        }
        for (; i < n; i++)   // the tail: a few elements, plain arithmetic
        {
            T pi = p[i], gi = g[i];
            if (_decoupledDecay) pi *= _decay;
            if (_coupledDecay) gi = pi * _wd + gi;
            T mi = m[i] * _b1 + gi * _1mb1;
            T vi = v[i] * _b2 + gi * _1mb2 * gi;
            T denom = T.Sqrt(vi) / _sqrtBc2 + _eps;
            p[i] = pi + mi * _negStepSize / denom;
            m[i] = mi; v[i] = vi;
        }
    }

    private static Span<float> Cast(Span<T> x) => MemoryMarshal.Cast<T, float>(x);
    private static ReadOnlySpan<float> Cast(ReadOnlySpan<T> x) => MemoryMarshal.Cast<T, float>(x);

    /// <summary>
    /// The float update 8 lanes at a time; returns how many elements it did (a multiple of 8). Each vector takes one of
    /// three ways, all exact:
    /// <list type="number">
    /// <item>No input is tiny: float vector arithmetic.</item>
    /// <item>Only moments are tiny (below 2^-90; a decayed or stuck exp_avg): the same arithmetic with those moments
    /// replaced by zero, which is exact for them because (a) where the effective gradient is nonzero, |grad·(1-beta1)|
    /// ≥ 2^-64 is checked, so beta1·exp_avg is below half its ulp and the sum rounds to it; (b) where it is zero, the
    /// new exp_avg is computed exactly in double (<see cref="R8"/>), and |param|·denom &gt; |step size|·2^-62 is checked,
    /// so the step, at most 2^-90·|step size|/denom, is below half the parameter's ulp and leaves it as it is, as zero
    /// does. A lane that fails either check sends the vector the third way.</item>
    /// <item>Anything else: <see cref="ApplyTiny8"/>, every operation in double.</item>
    /// </list>
    /// </summary>
    private int ApplyFloat8(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v)
    {
        var b1 = Vector256.Create(AsFloat(_b1)); var c1 = Vector256.Create(AsFloat(_1mb1)); var b2 = Vector256.Create(AsFloat(_b2));
        var c2 = Vector256.Create(AsFloat(_1mb2)); var eps = Vector256.Create(AsFloat(_eps)); var wd = Vector256.Create(AsFloat(_wd));
        var decay = Vector256.Create(AsFloat(_decay)); var sqrtBc2 = Vector256.Create(AsFloat(_sqrtBc2));
        var negStep = Vector256.Create(AsFloat(_negStepSize));
        var stepBound = Vector256.Create((float)Math.ScaleB(Math.Abs(D(_negStepSize)), -62));
        var gradBound = Vector256.Create((float)Math.ScaleB(1.0, -64));
        var b1d = Vector256.Create(D(_b1)); var c1d = Vector256.Create(D(_1mb1));
        int n = p.Length, i = 0;
        for (; i + 8 <= n; i += 8)
        {
            ref float pr = ref p[i]; ref float gr = ref MemoryMarshal.GetReference(g[i..]); ref float mr = ref m[i]; ref float vr = ref v[i];
            var p0 = Vector256.LoadUnsafe(ref pr); var g0 = Vector256.LoadUnsafe(ref gr);
            var m0 = Vector256.LoadUnsafe(ref mr); var v0 = Vector256.LoadUnsafe(ref vr);
            var tinyM = Tiny(m0, TinyM);
            var tinyOther = Tiny(g0, TinyG) | Tiny(v0, TinyV) | Tiny(p0, TinyP);
            if (tinyOther != Vector256<uint>.Zero)
            {
                ApplyTiny8(ref pr, ref gr, ref mr, ref vr);
                continue;
            }
            var mz = (m0.AsUInt32() & ~tinyM).AsSingle();
            var pi = p0; var gi = g0;
            if (_decoupledDecay) pi *= decay;
            if (_coupledDecay) gi = pi * wd + gi;
            var mi = mz * b1 + gi * c1;
            var vi = v0 * b2 + gi * c2 * gi;
            var denom = Vector256.Sqrt(vi) / sqrtBc2 + eps;
            var pn = pi + mi * negStep / denom;
            if (tinyM != Vector256<uint>.Zero)
            {
                var gZero = Vector256.Equals(gi, Vector256<float>.Zero).AsUInt32();
                var pKept = gZero & ~Vector256.Equals(pi, Vector256<float>.Zero).AsUInt32()
                                  & Vector256.GreaterThan(Vector256.Abs(pi) * denom, stepBound).AsUInt32();
                var mAbsorbed = ~gZero & Vector256.GreaterThanOrEqual(Vector256.Abs(gi * c1), gradBound).AsUInt32();
                if ((tinyM & ~(pKept | mAbsorbed)) != Vector256<uint>.Zero)
                {
                    ApplyTiny8(ref pr, ref gr, ref mr, ref vr);
                    continue;
                }
                // exp_avg·beta1 + grad·(1-beta1) with grad ±0, in double: exact, signs of zero included.
                var (ml, mh) = D8(m0); var (gl, gh) = D8(gi);
                var (xl, xh) = R8(ml * b1d, mh * b1d);
                var (yl, yh) = R8(xl + gl * c1d, xh + gh * c1d);
                var exact = F8(yl, yh);
                mi = Vector256.ConditionalSelect((tinyM & gZero).AsSingle(), exact, mi);
            }
            mi.StoreUnsafe(ref mr); vi.StoreUnsafe(ref vr); pn.StoreUnsafe(ref pr);
        }
        return i;
    }

    /// <summary>All-ones in the lanes that are nonzero with a magnitude (as bits) below <paramref name="bound"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Tiny(Vector256<float> x, uint bound) =>
        Vector256.LessThan((x.AsUInt32() & Vector256.Create(0x7FFF_FFFFu)) - Vector256<uint>.One, Vector256.Create(bound));

    /// <summary>The float update of 8 elements in double, each operation rounded to float as float arithmetic would round
    /// it: each float vector is widened to two double vectors and every result rounded back to float precision by
    /// <see cref="R8"/>; loads and stores go around the conversion instructions for subnormal lanes (<see cref="D8"/>,
    /// <see cref="F8"/>). Bit-identical to the float arithmetic, without touching a subnormal.</summary>
    private void ApplyTiny8(ref float p, ref float g, ref float m, ref float v)
    {
        var b1 = Vector256.Create(D(_b1)); var c1 = Vector256.Create(D(_1mb1)); var b2 = Vector256.Create(D(_b2)); var c2 = Vector256.Create(D(_1mb2));
        var eps = Vector256.Create(D(_eps)); var wd = Vector256.Create(D(_wd)); var decay = Vector256.Create(D(_decay));
        var sqrtBc2 = Vector256.Create(D(_sqrtBc2)); var negStep = Vector256.Create(D(_negStepSize));
        var (pl, ph) = D8(Vector256.LoadUnsafe(ref p));
        var (gl, gh) = D8(Vector256.LoadUnsafe(ref g));
        var (ml, mh) = D8(Vector256.LoadUnsafe(ref m));
        var (vl, vh) = D8(Vector256.LoadUnsafe(ref v));
        if (_decoupledDecay) (pl, ph) = R8(pl * decay, ph * decay);
        if (_coupledDecay)
        {
            var (tl, th) = R8(pl * wd, ph * wd);
            (gl, gh) = R8(tl + gl, th + gh);
        }
        var (xl, xh) = R8(ml * b1, mh * b1);
        var (yl, yh) = R8(gl * c1, gh * c1);
        (ml, mh) = R8(xl + yl, xh + yh);
        (xl, xh) = R8(vl * b2, vh * b2);
        (yl, yh) = R8(gl * c2, gh * c2);
        (yl, yh) = R8(yl * gl, yh * gh);
        (vl, vh) = R8(xl + yl, xh + yh);
        (xl, xh) = R8(Vector256.Sqrt(vl), Vector256.Sqrt(vh));
        (xl, xh) = R8(xl / sqrtBc2, xh / sqrtBc2);
        (xl, xh) = R8(xl + eps, xh + eps);                       // denom
        (yl, yh) = R8(ml * negStep, mh * negStep);
        (yl, yh) = R8(yl / xl, yh / xh);
        (pl, ph) = R8(pl + yl, ph + yh);
        F8(ml, mh).StoreUnsafe(ref m);
        F8(vl, vh).StoreUnsafe(ref v);
        F8(pl, ph).StoreUnsafe(ref p);
    }

    /// <summary>8 floats as two vectors of their exact values in double (a conversion instruction would trap on a
    /// subnormal lane, so it does not see one): a subnormal lane is
    /// loaded with its exponent field set to 1, which makes it 2^-126 more than its value, and the excess is taken off in
    /// double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double>, Vector256<double>) D8(Vector256<float> x)
    {
        var bits = x.AsUInt32();
        var subnormal = Vector256.Equals(bits & Vector256.Create(0x7F80_0000u), Vector256<uint>.Zero)
                      & ~Vector256.Equals(bits & Vector256.Create(0x7FFF_FFFFu), Vector256<uint>.Zero);
        var lifted = (bits | (subnormal & Vector256.Create(0x0080_0000u))).AsSingle();   // now a normal float
        var excess = subnormal.AsSingle() & Vector256.CopySign(Vector256.Create((float)MinNormal), lifted);
        var (lo, hi) = Vector256.Widen(lifted);
        var (elo, ehi) = Vector256.Widen(excess);
        return (lo - elo, hi - ehi);
    }

    /// <summary>Two vectors of 4 doubles rounded to float precision (to nearest, ties to even), as doubles: lanes of float's
    /// normal range (or 0, infinite, NaN) through
    /// a float conversion and back, smaller lanes rounded to the 2^-149 grid with <see cref="Vector256.Round(Vector256{double})"/>
    /// (ties to even); the conversion only ever sees the normal lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double>, Vector256<double>) R8(Vector256<double> lo, Vector256<double> hi)
    {
        var minNormal = Vector256.Create(MinNormal);
        var smallLo = Vector256.LessThan(Vector256.Abs(lo), minNormal);
        var smallHi = Vector256.LessThan(Vector256.Abs(hi), minNormal);
        var (nlo, nhi) = Vector256.Widen(Vector256.Narrow(Vector256.AndNot(lo, smallLo), Vector256.AndNot(hi, smallHi)));
        var q = Vector256.Create(Quantum); var inv = Vector256.Create(InvQuantum);
        var tlo = Vector256.CopySign(Vector256.Round(Vector256.Abs(lo) * inv) * q, lo);
        var thi = Vector256.CopySign(Vector256.Round(Vector256.Abs(hi) * inv) * q, hi);
        return (Vector256.ConditionalSelect(smallLo, tlo, nlo), Vector256.ConditionalSelect(smallHi, thi, nhi));
    }

    /// <summary>Two vectors of doubles that <see cref="R8"/> returned, as the 8 floats they equal: a lane below float's
    /// smallest normal gets 2^-126 added in double, which makes it a normal float whose fraction field holds the
    /// subnormal's bits; the exponent field is then cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> F8(Vector256<double> lo, Vector256<double> hi)
    {
        var minNormal = Vector256.Create(MinNormal);
        var smallLo = Vector256.LessThan(Vector256.Abs(lo), minNormal);
        var smallHi = Vector256.LessThan(Vector256.Abs(hi), minNormal);
        var liftedLo = lo + (smallLo & Vector256.CopySign(minNormal, lo));
        var liftedHi = hi + (smallHi & Vector256.CopySign(minNormal, hi));
        var f = Vector256.Narrow(liftedLo, liftedHi).AsUInt32();
        var small = Vector256.Narrow(smallLo.AsUInt64(), smallHi.AsUInt64());   // all-ones lanes stay all-ones
        return (f & ~(small & Vector256.Create(0x0080_0000u))).AsSingle();
    }

    private static float AsFloat(T x) => Unsafe.As<T, float>(ref x);

    /// <summary>A float constant as a double (exact; constants are converted once per call, not per element).</summary>
    private static double D(T x) => AsFloat(x);
}
