using System.Collections;

namespace Functional.Data;

/// <summary>
/// Iterates over a dataset in batches (<c>torch.utils.data.DataLoader(dataset, batch_size, shuffle, generator,
/// drop_last)</c>). Each enumeration is one epoch: with <c>shuffle</c> it draws a fresh permutation (<c>torch.randperm</c>)
/// from the generator, so epochs differ from each other but the whole sequence is fixed by the generator's seed.
/// The last batch is smaller when the batch size does not divide the dataset, unless <c>dropLast</c>.
/// </summary>
/// <remarks>
/// Batches are fresh contiguous tensors (see <see cref="IDataset.GetBatch"/>) that do not require grad. Without a
/// generator, shuffling draws from the library's default generator (PyTorch draws from its global one).
/// </remarks>
public sealed class DataLoader : IEnumerable<(Tensor Input, Tensor Target)>
{
    private readonly Generator? _gen;

    /// <summary>A loader over <paramref name="dataset"/> in batches of <paramref name="batchSize"/> samples.</summary>
    public DataLoader(IDataset dataset, int batchSize, bool shuffle = false, Generator? gen = null, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch_size should be a positive integer value, but got batch_size={batchSize}.");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        _gen = gen;
    }

    /// <summary>The dataset iterated over.</summary>
    public IDataset Dataset { get; }

    /// <summary>The number of samples per batch (the last may have fewer unless <see cref="DropLast"/>).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a fresh random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a last, incomplete batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The number of batches in one epoch (<c>len(loader)</c>).</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : Dataset.Count == 0 ? 0 : (Dataset.Count - 1) / BatchSize + 1;

    /// <summary>Starts an epoch: draws the sample order now (when shuffling), then yields the batches lazily.</summary>
    public IEnumerator<(Tensor Input, Tensor Target)> GetEnumerator() => Batches(Order());

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The order of the sample indices for the next epoch: 0..n-1, or <c>torch.randperm(n, generator=gen)</c>'s
    /// permutation when shuffling.</summary>
    private int[] Order()
    {
        int n = Dataset.Count;
        if (Shuffle)
        {
            var gen = _gen ?? Generator.Default;
            lock (gen) return gen.Permutation(n);
        }
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        return order;
    }

    private IEnumerator<(Tensor Input, Tensor Target)> Batches(int[] order)
    {
        for (int start = 0; start < order.Length; start += BatchSize)
        {
            int size = Math.Min(BatchSize, order.Length - start);
            if (size < BatchSize && DropLast) yield break;
            yield return Dataset.GetBatch(order.AsSpan(start, size));
        }
    }
}
