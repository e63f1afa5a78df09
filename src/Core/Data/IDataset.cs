namespace Functional.Data;

/// <summary>
/// A finite collection of (input, target) samples that can gather any subset of them into one batch.
/// PyTorch: a map-style <c>torch.utils.data.Dataset</c> with <c>__len__</c>, <c>__getitem__</c> and <c>__getitems__</c>.
/// </summary>
public interface IDataset
{
    /// <summary>The number of samples (<c>len(dataset)</c>).</summary>
    int Count { get; }

    /// <summary>Sample <paramref name="index"/> (<c>dataset[i]</c>), without a batch dimension.</summary>
    (Tensor Input, Tensor Target) this[int index] { get; }

    /// <summary>The samples at <paramref name="indices"/>, in that order, stacked along a new first dimension into
    /// fresh contiguous tensors that do not require grad.</summary>
    (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices);
}
