namespace Functional;

// View ops: the result shares this tensor's storage and version counter, with new geometry. A write through a
// view is seen by the base and by every SavedTensor of it (Note [Version Counter Sharing]).
public partial class Tensor
{
    // An empty view addresses no element, and its offset may have overflowed (a slice of an empty tensor whose strides
    // pass int range): it gets offset 0, valid in any storage.
    private Tensor View(int offset, int[] shape, int[] strides) =>
        new(_storage, Shape.Product(shape) == 0 ? 0 : offset, shape, strides, _version, viewBase: _viewBase ?? this);

    /// <summary>The same elements with a new shape (<c>t.reshape</c>); one size may be -1. A view when the strides
    /// allow it, else a copy.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var dims = InferShape(shape);
        var inShape = _shape;
        if (ViewStrides(dims) is { } strides)
            return Graph.Record(View(_offset, dims, strides), "ViewBackward0", [this], (g, _) => [g.Reshape(inShape)]);
        // Not viewable: copy, then reinterpret the copy (PyTorch's clone + _unsafe_view; the result is not a view).
        var copy = Contiguous();
        var reshaped = new Tensor(copy._storage, copy._offset, dims, Shape.ContiguousStrides(dims), copy._version);
        return Graph.Record(reshaped, "UnsafeViewBackward0", [copy], (g, _) => [g.Reshape(inShape)]);
    }

    private int[] InferShape(int[] shape)
    {
        int infer = -1, known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException("only one dimension can be inferred", nameof(shape));
                infer = i;
            }
            else if (shape[i] < 0) throw new ArgumentException($"invalid shape dimension {shape[i]}", nameof(shape));
            else known *= shape[i];
        }
        var dims = (int[])shape.Clone();
        int n = NumElements;
        if (infer >= 0)
        {
            if (known == 0 || n % known != 0)
                throw new ShapeMismatchException($"shape '{Shape.Format(shape)}' is invalid for input of size {n} ({Describe()}).");
            dims[infer] = n / known;
        }
        if (Shape.Product(dims) != n)
            throw new ShapeMismatchException($"shape '{Shape.Format(shape)}' is invalid for input of size {n} ({Describe()}).");
        return dims;
    }

    /// <summary>Strides that view this tensor's elements in shape <paramref name="dims"/>, or null (PyTorch's computeStride).</summary>
    private int[]? ViewStrides(int[] dims)
    {
        if (_isContiguous) return Shape.ContiguousStrides(dims);
        var newStrides = new int[dims.Length];
        int viewD = dims.Length - 1;
        int chunkBase = _strides.Length > 0 ? _strides[^1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int td = _shape.Length - 1; td >= 0; td--)
        {
            tensorNumel *= _shape[td];
            if (td == 0 || (_shape[td - 1] != 1 && _strides[td - 1] != tensorNumel * chunkBase))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || dims[viewD] == 1))
                {
                    newStrides[viewD] = (int)(viewNumel * chunkBase);
                    viewNumel *= dims[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (td > 0) { chunkBase = _strides[td - 1]; tensorNumel = 1; viewNumel = 1; }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    /// <summary>Flattens dimensions from <paramref name="startDim"/> on into one (<c>torch.flatten</c>).</summary>
    public Tensor Flatten(int startDim = 0)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shape.NormalizeDim(startDim, Rank);
        var dims = new int[s + 1];
        for (int i = 0; i < s; i++) dims[i] = _shape[i];
        dims[s] = -1;
        return Reshape(dims);
    }

    /// <summary>Swaps two dimensions (<c>t.transpose(d0, d1)</c>). A view.</summary>
    public Tensor Transpose(int dim0, int dim1) => Transpose(dim0, dim1, "TransposeBackward0");

    /// <summary>Transpose recorded under <paramref name="name"/> (<c>TBackward0</c> for PyTorch's <c>t()</c>).</summary>
    internal Tensor Transpose(int dim0, int dim1, string name)
    {
        if (Rank == 0) return Graph.Record(View(_offset, [], []), name, [this], static (g, _) => [g]);
        int a = Shape.NormalizeDim(dim0, Rank), b = Shape.NormalizeDim(dim1, Rank);
        var shape = (int[])_shape.Clone(); var strides = (int[])_strides.Clone();
        (shape[a], shape[b]) = (shape[b], shape[a]);
        (strides[a], strides[b]) = (strides[b], strides[a]);
        return Graph.Record(View(_offset, shape, strides), name, [this], (g, _) => [g.Transpose(a, b)]);
    }

    /// <summary>Reorders the dimensions (<c>t.permute</c>). A view.</summary>
    public Tensor Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ShapeMismatchException($"permute: number of dims don't match: got {dims.Length} for {Describe()}.");
        var shape = new int[Rank]; var strides = new int[Rank]; var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shape.NormalizeDim(dims[i], Rank);
            if (seen[d]) throw new ArgumentException($"permute: repeated dim {d}.", nameof(dims));
            seen[d] = true;
            shape[i] = _shape[d]; strides[i] = _strides[d]; inverse[d] = i;
        }
        return Graph.Record(View(_offset, shape, strides), "PermuteBackward0", [this], (g, _) => [g.Permute(inverse)]);
    }

    /// <summary>The transpose of a matrix (<c>t.T</c>); a tensor of rank below 2 is returned as is.</summary>
    public Tensor T
    {
        get
        {
            if (Rank < 2) return this;
            if (Rank > 2) throw new ShapeMismatchException($"T is defined for tensors of rank <= 2; use Permute or Transpose for {Describe()}.");
            return Permute(1, 0);
        }
    }

    /// <summary>Elements [start, end) of dimension <paramref name="dim"/> (<c>t[..., start:end]</c>, <c>narrow</c>). A view.
    /// Negative bounds count from the end; bounds are clamped like Python slices.</summary>
    public Tensor Slice(int dim, int start, int end)
    {
        if (Rank == 0) throw new IndexOutOfRangeException($"slice() cannot be applied to a 0-dim tensor ({Describe()}).");
        int d = Shape.NormalizeDim(dim, Rank);
        int size = _shape[d];
        if (start < 0) start += size;
        if (end < 0) end += size;
        start = Math.Clamp(start, 0, size);
        end = Math.Clamp(end, start, size);
        var shape = (int[])_shape.Clone(); shape[d] = end - start;
        var inShape = _shape;
        int s0 = start, e0 = end;
        return Graph.Record(View(_offset + start * _strides[d], shape, _strides), "SliceBackward0", [this],
            (g, _) => [g.Backend.Full(inShape, g.DType, 0).SliceScatter(g, d, s0, e0)]);
    }

    /// <summary>The sub-tensor at <paramref name="index"/> of dimension <paramref name="dim"/>, which is removed (<c>t.select</c>). A view.</summary>
    public Tensor Select(int dim, int index)
    {
        if (Rank == 0) throw new IndexOutOfRangeException($"select() cannot be applied to a 0-dim tensor ({Describe()}).");
        int d = Shape.NormalizeDim(dim, Rank);
        int size = _shape[d];
        if (index < -size || index >= size)
            throw new IndexOutOfRangeException($"index {index} is out of bounds for dimension {d} with size {size} ({Describe()}).");
        if (index < 0) index += size;
        var shape = new int[Rank - 1]; var strides = new int[Rank - 1];
        for (int i = 0, j = 0; i < Rank; i++) if (i != d) { shape[j] = _shape[i]; strides[j++] = _strides[i]; }
        var inShape = _shape;
        int at = index;
        return Graph.Record(View(_offset + index * _strides[d], shape, strides), "SelectBackward0", [this],
            (g, _) => [g.Backend.Full(inShape, g.DType, 0).SliceScatter(g.Unsqueeze(d), d, at, at + 1)]);
    }

    /// <summary>Broadcasts to a larger shape without copying (<c>t.expand</c>); -1 keeps a size. A view with stride 0
    /// on the expanded dimensions.</summary>
    public Tensor Expand(params int[] shape)
    {
        int lead = shape.Length - Rank;
        if (lead < 0)
            throw new ShapeMismatchException($"expand: the number of sizes provided ({shape.Length}) must be greater or equal to the number of dimensions in the tensor ({Rank}); {Describe()}.");
        var dims = new int[shape.Length]; var strides = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead)
            {
                if (shape[i] < 0) throw new ShapeMismatchException($"expand: the size {shape[i]} is not allowed in a leading, non-existing dimension {i}; {Describe()}.");
                dims[i] = shape[i]; strides[i] = 0;
                continue;
            }
            int own = _shape[i - lead], want = shape[i] == -1 ? own : shape[i];
            if (want < 0) throw new ShapeMismatchException($"expand: invalid size {shape[i]} at dimension {i} of {Shape.Format(shape)} for {Describe()}.");
            if (own == want) { dims[i] = own; strides[i] = _strides[i - lead]; }
            else if (own == 1) { dims[i] = want; strides[i] = 0; }
            else throw new ShapeMismatchException(
                $"The expanded size of the tensor ({want}) must match the existing size ({own}) at non-singleton dimension {i}.  Target sizes: {Shape.Format(shape)}.  Tensor sizes: {Shape.Format(_shape)}");
        }
        var inShape = _shape;
        return Graph.Record(View(_offset, dims, strides), "ExpandBackward0", [this], (g, _) => [g.SumToShape(inShape)]);
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1 (<c>t.squeeze(dim)</c>). A view.</summary>
    public Tensor Squeeze(int dim)
    {
        if (Rank == 0) return Graph.Record(View(_offset, [], []), "SqueezeBackward1", [this], static (g, _) => [g]);
        int d = Shape.NormalizeDim(dim, Rank);
        if (_shape[d] != 1) return Graph.Record(View(_offset, _shape, _strides), "SqueezeBackward1", [this], static (g, _) => [g]);
        var shape = _shape.Where((_, i) => i != d).ToArray();
        var strides = _strides.Where((_, i) => i != d).ToArray();
        return Graph.Record(View(_offset, shape, strides), "SqueezeBackward1", [this], (g, _) => [g.Unsqueeze(d)]);
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (<c>t.unsqueeze(dim)</c>). A view.</summary>
    public Tensor Unsqueeze(int dim)
    {
        int d = Shape.NormalizeDim(dim, Rank + 1);
        var shape = new int[Rank + 1]; var strides = new int[Rank + 1];
        for (int i = 0, j = 0; i <= Rank; i++)
        {
            if (i == d) { shape[i] = 1; strides[i] = d < Rank ? _strides[d] * _shape[d] : 1; continue; }
            shape[i] = _shape[j]; strides[i] = _strides[j]; j++;
        }
        return Graph.Record(View(_offset, shape, strides), "UnsqueezeBackward0", [this], (g, _) => [g.Squeeze(d)]);
    }

    /// <summary>
    /// Element access (<c>t[i, j]</c>). Get: a view with one dimension removed per index. Set: a tracked copy of the
    /// value (broadcast) into that view, bumping the version shared with every alias. A set on a tensor that
    /// requires grad (or with a value that does) would have to rebase the receiver's history, which a setter
    /// cannot return: it throws and names <see cref="SliceScatter"/> (leaves that require grad throw
    /// <see cref="LeafInPlaceException"/>).
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public Tensor this[params int[] index]
    {
        get
        {
            if (index.Length > Rank)
                throw new IndexOutOfRangeException($"too many indices for tensor of dimension {Rank} ({Describe()}).");
            for (int k = 0; k < index.Length; k++)   // checked here so that the message names this tensor, not a partial view
                if (index[k] < -_shape[k] || index[k] >= _shape[k])
                    throw new IndexOutOfRangeException($"index {index[k]} is out of bounds for dimension {k} with size {_shape[k]} ({Describe()}).");
            if (index.Length > 0 && GradMode.IsEnabled) CheckNotSuperseded(recording: RequiresGrad, indexing: true);   // a message that says how to read values
            var t = this;
            foreach (var i in index) t = t.Select(0, i);
            return t;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (index.Length > 0 && GradMode.IsEnabled) CheckNotSuperseded(recording: RequiresGrad);   // the get's message is about reading
            var view = this[index];
            view.CopyInPlaceCore(value, "index assignment (t[i] = v)");
        }
    }

    /// <summary>Element <paramref name="i"/> of the flattened tensor as a view (for kernels and tests).</summary>
    internal Tensor FlatElement(int i)
    {
        int off = _offset;
        for (int d = Rank - 1; d >= 0; d--) { off += (i % _shape[d]) * _strides[d]; i /= _shape[d]; }
        return View(off, [], []);
    }
}
