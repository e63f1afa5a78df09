namespace Functional.Nn;

/// <summary>
/// A fully connected layer <c>y = x @ Weight.T + Bias</c> (<c>torch.nn.Linear</c>), computed by <see cref="Tensor.Linear"/>.
/// </summary>
public class Linear : Module
{
    /// <summary>
    /// A layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/> with PyTorch's default initialisation:
    /// the weight by <c>kaiming_uniform_(a=√5)</c>, i.e. U(-1/√in, 1/√in), then the bias from the same bound, both drawn from
    /// <paramref name="gen"/> (the library's default generator, fixed seed, when null). The same seed gives the same layer.
    /// </summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? gen = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        gen ??= Generator.Default;
        Weight = RegisterParameter("weight", new Parameter(Tensor.Zeros(outFeatures, inFeatures)));
        Init.KaimingUniform_(Weight, Math.Sqrt(5), gen);
        if (bias)
        {
            double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
            Bias = RegisterParameter("bias", new Parameter(Tensor.Zeros(outFeatures)));
            Init.Uniform_(Bias, -bound, bound, gen);
        }
        else
        {
            Bias = RegisterParameter<Parameter?>("bias", null);
        }
    }

    /// <summary>The number of input features (<c>in_features</c>).</summary>
    public int InFeatures { get; }

    /// <summary>The number of output features (<c>out_features</c>).</summary>
    public int OutFeatures { get; }

    /// <summary>The [out, in] weight (<c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>The [out] bias, or null for a layer made with <c>bias: false</c> (<c>bias</c>).</summary>
    public Parameter? Bias { get; }

    /// <summary><c>Tensor.Linear(x, Weight, Bias)</c>: x is [..., in], the result [..., out].</summary>
    public override Tensor Forward(Tensor x) => Tensor.Linear(x, Weight, Bias);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}";
}
