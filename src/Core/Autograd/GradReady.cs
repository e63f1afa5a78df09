namespace Functional;

/// <summary>
/// What a gradient-ready hook (<see cref="Tensor.RegisterGradReadyHook"/>) sees: a leaf whose gradient for the running
/// <see cref="Tensor.Backward"/> is complete, that gradient, and a token cancelled if the backward later fails. See
/// Note [Gradient Ready] in the engine.
/// </summary>
public sealed class GradReady
{
    internal GradReady(Tensor leaf, Tensor gradient, CancellationToken abandoned)
    {
        Leaf = leaf;
        Gradient = gradient;
        Abandoned = abandoned;
    }

    /// <summary>The leaf the hook was registered on.</summary>
    public Tensor Leaf { get; }

    /// <summary>This backward's gradient for <see cref="Leaf"/> (after the leaf's <see cref="Tensor.RegisterHook"/> hooks),
    /// not yet added to <see cref="Tensor.Grad"/>: the accumulator is written only once the whole backward has succeeded.
    /// Read it; do not write it (the engine may store this very tensor as the leaf's Grad).</summary>
    public Tensor Gradient { get; }

    /// <summary>Cancelled when the backward fails after this hook ran: no accumulator changes then, and work started on
    /// <see cref="Gradient"/> (an all-reduce, a copy to another device) should be dropped. Never cancelled when the
    /// backward succeeds.</summary>
    public CancellationToken Abandoned { get; }
}
