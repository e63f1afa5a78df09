using Functional.Optim;

namespace Functional.Tests;

/// <summary>
/// The Adam/AdamW update kernel (<c>src/Core/Backends/Cpu/AdamStep.cs</c>) against float arithmetic done by the hardware, bit for
/// bit. The reference is the op sequence PyTorch's single-tensor Adam runs (mul_, add_, addcmul_, sqrt, div, add_,
/// addcdiv_; each result rounded to float), written out element by element in C# float. The kernel's fast vector path,
/// its subnormal-safe path (vectors with tiny or subnormal values are computed in double and rounded as float would
/// round) and its split over the cores must all give exactly these bits, whatever mix of zeros, subnormals, tiny and
/// ordinary values the state holds.
/// </summary>
public class AdamKernelTests
{
    private static void Reference(float[] p, float[] g, float[] m, float[] v, float b1, float b2, float eps, float lr, float wd, bool decoupled, int step)
    {
        // The constants as AdamStep makes them (double, then rounded to float once), as PyTorch computes them in Python.
        float c1 = (float)(1 - (double)b1), c2 = (float)(1 - (double)b2), decay = (float)(1 - (double)lr * wd);
        float sqrtBc2 = (float)Math.Sqrt(1 - Math.Pow(b2, step));
        float negStep = (float)-(lr / (1 - Math.Pow(b1, step)));
        for (int i = 0; i < p.Length; i++)
        {
            float pi = p[i], gi = g[i];
            if (decoupled && wd != 0) pi = pi * decay;                 // param.mul_(1 - lr*wd)
            if (!decoupled && wd != 0) gi = pi * wd + gi;              // grad.add(param, alpha=wd)
            float mi = m[i] * b1 + gi * c1;                            // exp_avg.mul_(b1).add_(grad, alpha=1-b1)
            float vi = v[i] * b2 + gi * c2 * gi;                       // exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1-b2)
            float denom = MathF.Sqrt(vi) / sqrtBc2 + eps;              // (exp_avg_sq.sqrt() / sqrt(bc2)).add_(eps)
            p[i] = pi + mi * negStep / denom;                          // param.addcdiv_(exp_avg, denom, value=-lr/bc1)
            m[i] = mi; v[i] = vi;
        }
    }

    /// <summary>A value of one of five kinds: ±0, subnormal, tiny normal (below 2^-60), small, ordinary.</summary>
    private static float Draw(Random rng, bool nonNegative)
    {
        float x = rng.Next(5) switch
        {
            0 => 0f,
            1 => BitConverter.Int32BitsToSingle(rng.Next(1, 1 << 23)),                                // subnormal
            2 => (float)Math.ScaleB(1 + rng.NextDouble(), -rng.Next(61, 127)),                        // 2^-126 .. 2^-60
            3 => (float)Math.ScaleB(1 + rng.NextDouble(), -rng.Next(12, 61)),                         // 2^-60 .. 2^-11
            _ => (float)(rng.NextDouble() * 4 - 2),
        };
        return nonNegative || rng.Next(2) == 0 ? x : -x;
    }

    public static TheoryData<int, float, float, bool, int> Cases => new()
    {
        // n, lr, weight decay, decoupled (AdamW), step count
        { 5, 1e-3f, 0f, false, 1 },
        { 37, 1e-3f, 0f, false, 7 },
        { 1000, 1e-3f, 0.01f, false, 1000 },
        { 1003, 1f, 0.5f, false, 3 },          // the seed's Adam(lr=1, weight_decay=0.5)
        { 999, 1e-3f, 0.01f, true, 20 },       // AdamW
        { 100_003, 1e-3f, 0f, false, 700 },    // long enough to be split over the cores
        { 70_001, 1e-2f, 0.1f, true, 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsFloatArithmeticBitForBit(int n, float lr, float wd, bool decoupled, int step)
    {
        var rng = new Random(n * 31 + step);
        float[] p = new float[n], g = new float[n], m = new float[n], v = new float[n];
        for (int i = 0; i < n; i++)
        {
            p[i] = Draw(rng, false); g[i] = Draw(rng, false); m[i] = Draw(rng, false); v[i] = Draw(rng, true);
        }
        // Runs of one kind too, since the kernel chooses its way per vector of 8: a dead unit's row (subnormal or tiny
        // exp_avg, zero gradient, ordinary param and exp_avg_sq), tiny exp_avg beside ordinary gradients, the same with
        // small parameters or a zero exp_avg_sq (where the step can matter), and ordinary values only.
        for (int i = 0; i + 256 <= n; i += 256)
            for (int j = i; j < i + 256; j++)
            {
                float ordinary = (float)(rng.NextDouble() + 0.01) * (rng.Next(2) == 0 ? 1 : -1);
                float tinyMoment = rng.Next(2) == 0 ? BitConverter.Int32BitsToSingle(rng.Next(1, 1 << 23)) : (float)Math.ScaleB(1 + rng.NextDouble(), -rng.Next(91, 127));
                if (rng.Next(2) == 0) tinyMoment = -tinyMoment;
                switch ((j - i) / 64)
                {
                    case 0: p[j] = ordinary; v[j] = Math.Abs(ordinary) * 1e-4f; g[j] = rng.Next(2) == 0 ? 0f : -0f; m[j] = tinyMoment; break;
                    case 1: p[j] = ordinary; v[j] = Math.Abs(ordinary) * 1e-4f; g[j] = rng.Next(3) == 0 ? 0f : ordinary * 1e-3f; m[j] = tinyMoment; break;
                    case 2: p[j] = (float)Math.ScaleB(ordinary, -rng.Next(0, 60)); v[j] = rng.Next(2) == 0 ? 0f : 1e-20f; g[j] = 0f; m[j] = tinyMoment; break;
                    default: p[j] = ordinary; v[j] = Math.Abs(ordinary); g[j] = ordinary * 0.1f; m[j] = ordinary * 0.01f; break;
                }
            }
        float[] pr = (float[])p.Clone(), gr = (float[])g.Clone(), mr = (float[])m.Clone(), vr = (float[])v.Clone();
        Reference(pr, gr, mr, vr, 0.9f, 0.999f, 1e-8f, lr, wd, decoupled, step);

        new AdamStep<float>(0.9f, 0.999f, 1e-8f, lr, wd, decoupled, step).Run(p, g, m, v);

        AssertBits(pr, p, "param");
        AssertBits(mr, m, "exp_avg");
        AssertBits(vr, v, "exp_avg_sq");
    }

    [Fact]
    public void ASubnormalMomentStaysWhereFloatArithmeticLeavesIt()
    {
        // Hand derivation: exp_avg = k·2^-149 with a zero gradient becomes round(0.9f·k)·2^-149 (0.9f = 0.899999976):
        // 0.9, 1.8, 2.7, 3.6, 4.4999999, 9.0, 90.0, 6.3, 7.2 round to 1, 2, 3, 4, 4, 9, 90, 6, 7, so k = 1..4 never decay.
        int[] k = [1, 2, 3, 4, 5, 10, 100, 1, 2, 3, 4, 5, 10, 100, 7, 8];
        int[] expected = [1, 2, 3, 4, 4, 9, 90, 1, 2, 3, 4, 4, 9, 90, 6, 7];
        var m = Array.ConvertAll(k, x => BitConverter.Int32BitsToSingle(x));
        var p = Enumerable.Repeat(0.5f, k.Length).ToArray();
        var v = Enumerable.Repeat(1e-6f, k.Length).ToArray();
        var g = new float[k.Length];
        new AdamStep<float>(0.9f, 0.999f, 1e-8f, 1e-3f, 0, false, 50).Run(p, g, m, v);
        Assert.Equal(expected, Array.ConvertAll(m, BitConverter.SingleToInt32Bits));
        Assert.All(p, x => Assert.Equal(0.5f, x));   // a step of about 1e-3 · 1e-45 / 1e-3 leaves 0.5 unchanged
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}), " +
                            $"got {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8})");
    }
}
