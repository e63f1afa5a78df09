namespace Functional.Data;

/// <summary>
/// Samples held in two tensors whose first dimension indexes the samples: <c>Inputs[i]</c> goes with
/// <c>Targets[i]</c>. PyTorch: <c>torch.utils.data.TensorDataset(inputs, targets)</c>.
/// </summary>
/// <remarks>
/// The dataset keeps detached (and, if needed, contiguous) aliases of the tensors it is given, so batches never
/// carry a graph. <see cref="Slice"/> gives a view without copying; <see cref="GetBatch"/> copies whole rows
/// with block copies, merging runs of consecutive indices into one copy.
/// </remarks>
public sealed class TensorDataset : IDataset
{
    /// <summary>A dataset of <paramref name="inputs"/>[i] paired with <paramref name="targets"/>[i].</summary>
    /// <exception cref="ArgumentException">A tensor is 0-d, or their first dimensions differ.</exception>
    public TensorDataset(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.Rank == 0 || targets.Rank == 0)
            throw new ShapeMismatchException(
                $"TensorDataset needs tensors with a first (sample) dimension; got inputs {inputs.Describe()} and targets {targets.Describe()}.");
        if (inputs.Shape[0] != targets.Shape[0])
            throw new ShapeMismatchException(
                $"Size mismatch between tensors: inputs {inputs.Describe()} has {inputs.Shape[0]} samples but targets {targets.Describe()} has {targets.Shape[0]}.");
        Inputs = Dense(inputs);
        Targets = Dense(targets);
    }

    private static Tensor Dense(Tensor t) => t.IsContiguous ? t.Detach() : t.Backend.Contiguous(t);

    /// <summary>The inputs, first dimension = samples (a detached, contiguous alias of the tensor given).</summary>
    public Tensor Inputs { get; }

    /// <summary>The targets, first dimension = samples (a detached, contiguous alias of the tensor given).</summary>
    public Tensor Targets { get; }

    /// <inheritdoc/>
    public int Count => Inputs.Shape[0];

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) this[int index]
    {
        get
        {
            CheckIndex(index);
            ReadOnlySpan<int> one = [index];
            return (Gather(Inputs, one, keepBatchDim: false), Gather(Targets, one, keepBatchDim: false));
        }
    }

    /// <summary>Samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a dataset
    /// that shares this one's storage (no copy).</summary>
    public TensorDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice({start}, {count}) is outside a dataset of {Count} samples.");
        return new TensorDataset(Inputs.Slice(0, start, start + count), Targets.Slice(0, start, start + count));
    }

    /// <inheritdoc/>
    public (Tensor Input, Tensor Target) GetBatch(ReadOnlySpan<int> indices)
    {
        foreach (var i in indices) CheckIndex(i);
        return (Gather(Inputs, indices, keepBatchDim: true), Gather(Targets, indices, keepBatchDim: true));
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is out of range for a dataset of {Count} samples.");
    }

    private static Tensor Gather(Tensor src, ReadOnlySpan<int> indices, bool keepBatchDim) => src.DType switch
    {
        DType.Float32 => Gather<float>(src, indices, keepBatchDim),
        DType.Float64 => Gather<double>(src, indices, keepBatchDim),
        _ => Gather<long>(src, indices, keepBatchDim),
    };

    private static Tensor Gather<T>(Tensor src, ReadOnlySpan<int> indices, bool keepBatchDim) where T : unmanaged
    {
        var dims = src._shape;
        int row = Shape.Product(dims.AsSpan(1));
        var from = src.StorageOf<T>().Data.AsSpan(src._offset, src.NumElements);
        var storage = HostPool.Allocate<T>(indices.Length * row, zeroed: false);   // every element is written
        var result = storage.Data;
        for (int i = 0; i < indices.Length;)
        {
            int first = indices[i], run = 1;
            while (i + run < indices.Length && indices[i + run] == first + run) run++;
            from.Slice(first * row, run * row).CopyTo(result.AsSpan(i * row));
            i += run;
        }
        int[] shape = keepBatchDim ? [indices.Length, .. dims.AsSpan(1)] : dims[1..];
        var batch = Tensor.FromPooled(storage, shape);
        GC.KeepAlive(src);   // src's array was read until now (Note [Host Pool])
        return batch;
    }
}
