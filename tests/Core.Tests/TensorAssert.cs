namespace Functional.Tests;

/// <summary>Assertions on tensor values shared by the test classes.</summary>
internal static class TensorAssert
{
    /// <summary>Asserts <paramref name="actual"/> holds <paramref name="expected"/> element by element, each within
    /// max(<paramref name="absolute"/>, <paramref name="relative"/> × |expected|).</summary>
    public static void Close(float[] expected, Tensor? actual, float absolute, float relative = 0)
    {
        Assert.NotNull(actual);
        var got = actual.ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= Math.Max(absolute, relative * Math.Abs(expected[i])),
                        $"element {i}: expected {expected[i]:R}, got {got[i]:R} (tensor {actual})");
    }

    /// <summary>Asserts two double arrays agree element by element within <paramref name="absolute"/>.</summary>
    public static void Close(double[] expected, double[] actual, double absolute)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= absolute, $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
