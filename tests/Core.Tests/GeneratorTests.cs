using Functional.Nn;

namespace Functional.Tests;

/// <summary>
/// Note [PyTorch-compatible random streams]: <c>new Generator(s)</c> gives what <c>torch.manual_seed(s)</c> gives on the
/// CPU. Every expected number here was printed by PyTorch 1.13 (Reference/torch_random.py → torch_random.out).
/// </summary>
public class GeneratorTests
{
    [Fact]
    public void RandMatchesTorchRandBitForBit()
    {
        float[] torch = [0.49625659f, 0.768221796f, 0.0884774327f, 0.132030487f, 0.307422817f];   // torch.rand(5), seed 0
        Assert.Equal(torch, Tensor.Rand([5], new Generator(0)).ToArray());
    }

    [Fact]
    public void NextDoubleMatchesFloat64TorchRand()
    {
        var g = new Generator(7);
        double[] torch = [0.27938042990640399, 0.27369371365176565, 0.86209296141762548];   // torch.rand(3, float64), seed 7
        Assert.Equal(torch, new[] { g.NextDouble(), g.NextDouble(), g.NextDouble() });
    }

    [Fact]
    public void NextIntMatchesTorchRandint()
    {
        var g = new Generator(0);
        Assert.Equal([4, 9, 3, 0, 3, 9], Enumerable.Range(0, 6).Select(_ => g.NextInt(10)));   // torch.randint(10, (6,))
    }

    [Fact]
    public void RandpermMatchesTorchRandperm()
    {
        Assert.Equal([4L, 1, 7, 5, 3, 9, 0, 8, 6, 2], Tensor.Randperm(10, new Generator(0)).ToInt64Array());
        Assert.Equal([38986L, 46111, 53123, 54054, 9664, 45710, 7266, 38831], Tensor.Randperm(60000, new Generator(3)).ToInt64Array()[..8]);
    }

    [Fact]
    public void RandnBelowSixteenElementsIsTheCachedScalarBoxMuller()
    {
        // torch.randn(5), seed 0: Float64 normals (pairs, the sine kept for the next element) rounded to Float32.
        float[] torch = [1.54099607f, -0.293428898f, -2.17878938f, 0.568431258f, -1.08452237f];
        Assert.Equal(torch, Tensor.Randn([5], new Generator(0)).ToArray());
    }

    [Fact]
    public void RandnFromSixteenElementsIsBlockBoxMuller()
    {
        // torch.randn(40), seed 0: two blocks of 16, then the last 16 redrawn. PyTorch's Float32 kernel uses approximate
        // vector log/sin/cos, hence the 1e-6 tolerance here and exact equality in the Float64 test below.
        float[] torch = [-1.12583983f, -1.1523602f, -0.250578582f, -0.433878809f, 0.848710358f, 0.692009151f, -0.31601277f, -2.11521935f,
                         0.322274923f, -1.26333475f, 0.349983186f, 0.30813393f, 0.119841509f, 1.2376579f, 1.11677718f, -0.247278154f,
                         -1.35265374f, -1.6959312f, 0.566650629f, 0.793508351f, 0.598839462f, -1.55509508f, -0.34136039f, 1.85300612f,
                         -0.215863258f, -0.742548168f, 0.562721372f, 0.259627402f, -0.173960999f, -0.678746223f, 0.938260734f, 0.488869816f,
                         1.20322371f, 0.0845346972f, -1.2001394f, -0.00478573795f, -0.518074811f, -0.306704193f, -1.58099389f, 1.70664334f];
        TensorAssert.Close(torch, Tensor.Randn([40], new Generator(0)), 1e-6f);
    }

    [Fact]
    public void Float64NormalsMatchTorchExactly()
    {
        double[] torch = [-2.310411800234176, -0.3732508612577643, -1.0608166785462863, 0.99950935478117608, -0.88402500458326527,
                          -1.2755469302148053, -0.62322457986607904, -0.86644160191257724, -1.2956271403277857, 1.52363162310635,
                          0.32366056649837383, 2.0177260314861085, 1.1357423400213507, -1.2268813390010831, 0.071388471205116932,
                          0.3380174030507378, 0.15351883531544036, -0.63327460886750964, -1.2609246557194385, -0.72695106206541105,
                          -0.019964750907762653, -1.1195351830271254, 1.1664857205254855, 0.92623245729687775, 0.79701001692502971,
                          0.21166418145300325, 0.13557114260567418, -0.033892918655373555, 0.4604689979691664, 0.24018023403782535,
                          -1.3487610270963772, 0.24439909338286889, -0.013720701456433322, -0.19960822763281003, -1.6564246944540333,
                          0.91389825127422852, 1.1546962275824659];   // torch.randn(37, dtype=float64), seed 0
        var got = new double[37];
        new Generator(0).FillNormal(got, float32: false);
        Assert.Equal(torch, got);
    }

    [Fact]
    public void LinearStartsFromTorchsWeights()
    {
        var g = new Generator(0);
        var l1 = new Linear(784, 512, gen: g);
        var l2 = new Linear(512, 10, gen: g);
        // torch.manual_seed(0); nn.Linear(784, 512); nn.Linear(512, 10)
        Assert.Equal([-0.000267386436f, 0.0191587005f, -0.0293944702f, -0.026283538f], l1.Weight.ToArray()[..4]);
        Assert.Equal([0.0289436337f, 0.00146053103f, 0.0225824807f], l1.Bias!.ToArray()[^3..]);
        Assert.Equal([0.0215289257f, 0.033885777f, -0.0175860617f, 0.0127167841f], l2.Weight.ToArray()[^4..]);
        Assert.Equal([0.0277350023f, -0.00465065194f, 0.00857656728f, -0.00853007939f, 0.0206197239f, -0.00658018701f,
                      -0.0441900529f, 0.0201049261f, -0.010901751f, -0.0158077758f], l2.Bias!.ToArray());
    }

    [Fact]
    public void Float64UniformInitMatchesTorch()
    {
        var w = Tensor.Zeros(3, 5).To(DType.Float64);
        Init.Uniform_(w, -0.5, 0.25, new Generator(0));
        double[] torch = [0.2275397513549148, 0.030864898299840959, -0.15546279265441185, 0.19056076309147021, -0.016231909907926417,
                          0.09336091913522776, -0.36604536859943682, -0.2366692817045537, -0.063994310144319111, -0.28382308089788733,
                          -0.16034836333916433, -0.36740035534721444, -0.23354993124552018, -0.033571063490354242, -0.13861369941371859];
        Assert.Equal(torch, w.ToDoubleArray());   // torch.nn.init.uniform_(torch.empty(3, 5, dtype=float64), -0.5, 0.25), seed 0
    }

    [Fact]
    public void ShufflingLoaderDrawsTorchRandpermEachEpoch()
    {
        var data = new Data.TensorDataset(Tensor.Arange(10), Tensor.Arange(10));
        var loader = new Data.DataLoader(data, 10, shuffle: true, gen: new Generator(0));
        var reference = new Generator(0);
        foreach (var _ in Enumerable.Range(0, 2))
            Assert.Equal(Tensor.Randperm(10, reference).ToInt64Array(), loader.Single().Input.ToInt64Array());
    }
}
