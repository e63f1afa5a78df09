namespace Functional.Nn;

/// <summary>
/// A chain of modules applied in order (<c>torch.nn.Sequential</c>). The layers are its children, named "0", "1", ...,
/// so the parameters of a <c>Sequential(Linear, ReLU, Linear)</c> are <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, <c>2.bias</c>.
/// </summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    /// <summary>A chain of <paramref name="layers"/>; an empty chain is the identity.</summary>
    public Sequential(params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = (Module[])layers.Clone();
        for (int i = 0; i < _layers.Length; i++)
            RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                           _layers[i] ?? throw new ArgumentNullException(nameof(layers), $"layer {i} is null."));
    }

    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>The number of layers (<c>len(seq)</c>).</summary>
    public int Count => _layers.Length;

    /// <summary>Layer <paramref name="index"/> (<c>seq[i]</c>).</summary>
    public Module this[int index] => _layers[index];

    /// <summary>Feeds <paramref name="x"/> through every layer in order.</summary>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }
}
