namespace Functional;

// The copy and convert kernels behind Backend.Contiguous, Backend.Convert and Backend.CopyInto (the ops: Ops/Copy.cs).
internal static partial class CpuKernels
{
    /// <summary>A contiguous copy of any tensor (same dtype).</summary>
    public static Tensor Contiguous(Tensor t) => t.DType switch
    {
        DType.Float32 => Wrap(ContiguousCopy<float>(t), Shape.Copy(t._shape)),
        DType.Float64 => Wrap(ContiguousCopy<double>(t), Shape.Copy(t._shape)),
        _ => Wrap(ContiguousCopy<long>(t), Shape.Copy(t._shape)),
    };

    /// <summary>Copies <paramref name="src"/> (broadcast to dst's shape) into <paramref name="dst"/>'s storage, converting dtype.</summary>
    public static void CopyInto(Tensor dst, Tensor src)
    {
        if (src.DType != dst.DType) src = Convert(src, dst.DType);
        var strides = BroadcastStrides(src, dst._shape);
        switch (dst.DType)
        {
            case DType.Float32: CopyStrided(src.StorageOf<float>().Data, src._offset, strides, dst.StorageOf<float>().Data, dst._offset, dst._strides, dst._shape); break;
            case DType.Float64: CopyStrided(src.StorageOf<double>().Data, src._offset, strides, dst.StorageOf<double>().Data, dst._offset, dst._strides, dst._shape); break;
            default: CopyStrided(src.StorageOf<long>().Data, src._offset, strides, dst.StorageOf<long>().Data, dst._offset, dst._strides, dst._shape); break;
        }
    }

    /// <summary>A contiguous copy converted to <paramref name="dtype"/>.</summary>
    public static Tensor Convert(Tensor t, DType dtype)
    {
        if (t.DType == dtype) return Contiguous(t);
        return (t.DType, dtype) switch
        {
            (DType.Float32, DType.Float64) => Converted(t, static (float v) => (double)v),
            (DType.Float64, DType.Float32) => Converted(t, static (double v) => (float)v),
            (DType.Int64, DType.Float32) => Converted(t, static (long v) => (float)v),
            (DType.Int64, DType.Float64) => Converted(t, static (long v) => (double)v),
            (DType.Float32, DType.Int64) => Converted(t, static (float v) => (long)v),
            _ => Converted(t, static (double v) => (long)v),
        };
    }

    private static Tensor Converted<TFrom, TTo>(Tensor t, Func<TFrom, TTo> convert) where TFrom : unmanaged where TTo : unmanaged
    {
        var from = t.ContiguousSpan<TFrom>();
        var res = Result<TTo>(t.NumElements);
        var to = res.Data;
        for (int i = 0; i < from.Length; i++) to[i] = convert(from[i]);
        return Wrap(res, Shape.Copy(t._shape));
    }
}
