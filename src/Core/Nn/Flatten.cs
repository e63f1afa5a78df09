namespace Functional.Nn;

/// <summary>Flattens the dimensions from <see cref="StartDim"/> on into one (<c>torch.nn.Flatten</c>): by default
/// [N, C, H, W] becomes [N, C·H·W], keeping the batch dimension.</summary>
public sealed class Flatten : Module
{
    /// <summary>A layer flattening from <paramref name="startDim"/> (negative counts from the end) to the last dimension.</summary>
    public Flatten(int startDim = 1) => StartDim = startDim;

    /// <summary>The first dimension flattened (<c>start_dim</c>).</summary>
    public int StartDim { get; }

    /// <summary><c>x.Flatten(StartDim)</c>.</summary>
    public override Tensor Forward(Tensor x) => (x ?? throw new ArgumentNullException(nameof(x))).Flatten(StartDim);

    /// <inheritdoc/>
    protected override string ExtraRepr() => $"start_dim={StartDim}, end_dim=-1";
}
