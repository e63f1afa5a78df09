namespace Functional;

// Host memory behind CPU tensors: a kernel's result storage (Result, from the pool of Note [Host Pool]), wrapping an
// array the caller hands over (Wrap), reading a tensor out as a fresh row-major array (ToContiguousArray) or into a fresh
// result (ContiguousCopy), and the strided copy under them and under the copy kernels (BroadcastStrides, CopyStrided,
// Coalesce). No kernel logic here: the kernels (Elementwise.cs, Reduce.cs, Gemm.cs, Copy.cs) build on these.
internal static partial class CpuKernels
{
    /// <summary>A kernel's result storage of <paramref name="n"/> elements, not cleared: the kernel writes every element.
    /// Large ones are recycled (Note [Host Pool]).</summary>
    public static Storage<T> Result<T>(int n) where T : unmanaged => HostPool.Allocate<T>(n, zeroed: false);

    /// <summary>Wraps an array the caller hands over (never a pooled one: that stays with its one storage).</summary>
    public static Tensor Wrap<T>(T[] data, int[] shape) where T : unmanaged => Tensor.FromStorage(new Storage<T>(data), shape);

    /// <summary>A tensor over a kernel's result storage.</summary>
    public static Tensor Wrap<T>(Storage<T> storage, int[] shape) where T : unmanaged => Tensor.FromStorage(storage, shape);

    /// <summary>A fresh row-major array of t's elements, for a caller to keep (never pooled).</summary>
    public static T[] ToContiguousArray<T>(Tensor t) where T : unmanaged
    {
        var dst = GC.AllocateUninitializedArray<T>(t.NumElements);   // every element is written
        CopyContiguous(t, dst);
        return dst;
    }

    /// <summary>A fresh result storage holding t's elements row-major.</summary>
    public static Storage<T> ContiguousCopy<T>(Tensor t) where T : unmanaged
    {
        var res = Result<T>(t.NumElements);
        CopyContiguous(t, res.Data);
        return res;
    }

    private static void CopyContiguous<T>(Tensor t, T[] dst) where T : unmanaged
    {
        var src = t.StorageOf<T>().Data;
        if (t._isContiguous) Array.Copy(src, t._offset, dst, 0, dst.Length);
        else CopyStrided(src, t._offset, t._strides, dst, 0, Shape.ContiguousStrides(t._shape), t._shape);
    }

    /// <summary>The strides that read <paramref name="t"/> broadcast to <paramref name="shape"/> (0 on broadcast dims).</summary>
    public static int[] BroadcastStrides(Tensor t, int[] shape)
    {
        var r = new int[shape.Length];
        int lead = shape.Length - t._shape.Length;
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead) continue;
            int d = t._shape[i - lead];
            r[i] = d == 1 && shape[i] != 1 ? 0 : t._strides[i - lead];
        }
        return r;
    }

    public static void CopyStrided<T>(T[] src, int so, int[] ss, T[] dst, int dO, int[] ds, int[] shape)
    {
        var (dims, st) = Coalesce(shape, ss, ds);
        int rank = dims.Length;
        if (rank == 0) { if (Shape.Product(shape) > 0) dst[dO] = src[so]; return; }
        int inner = dims[rank - 1], si = st[0][rank - 1], di = st[1][rank - 1];
        int outer = 1;
        for (int d = 0; d < rank - 1; d++) outer *= dims[d];
        if (inner == 0 || outer == 0) return;
        Span<int> idx = stackalloc int[rank];
        int a = so, b = dO;
        for (int o = 0; o < outer; o++)
        {
            if (si == 1 && di == 1) Array.Copy(src, a, dst, b, inner);
            else if (si == 0 && di == 1) dst.AsSpan(b, inner).Fill(src[a]);
            else for (int j = 0, x = a, y = b; j < inner; j++, x += si, y += di) dst[y] = src[x];
            for (int d = rank - 2; d >= 0; d--)
            {
                idx[d]++; a += st[0][d]; b += st[1][d];
                if (idx[d] < dims[d]) break;
                a -= st[0][d] * dims[d]; b -= st[1][d] * dims[d]; idx[d] = 0;
            }
        }
    }

    /// <summary>
    /// Merges adjacent dimensions that every operand walks contiguously and drops size-1 dimensions, so the
    /// innermost loop is as long as possible. Returns the new sizes and one stride array per operand.
    /// </summary>
    public static (int[] Dims, int[][] Strides) Coalesce(int[] shape, params int[][] strides)
    {
        var dims = new List<int>(shape.Length);
        var st = new List<int>[strides.Length];
        for (int k = 0; k < strides.Length; k++) st[k] = new List<int>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (dims.Count > 0)
            {
                int last = dims.Count - 1;
                bool merge = true;
                for (int k = 0; k < strides.Length && merge; k++)
                    merge = st[k][last] == strides[k][i] * shape[i];
                if (merge)
                {
                    dims[last] *= shape[i];
                    for (int k = 0; k < strides.Length; k++) st[k][last] = strides[k][i];
                    continue;
                }
            }
            dims.Add(shape[i]);
            for (int k = 0; k < strides.Length; k++) st[k].Add(strides[k][i]);
        }
        var outStrides = new int[strides.Length][];
        for (int k = 0; k < strides.Length; k++) outStrides[k] = [.. st[k]];
        return ([.. dims], outStrides);
    }
}
