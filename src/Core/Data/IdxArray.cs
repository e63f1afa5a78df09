using System.Buffers.Binary;

namespace Functional.Data;

/// <summary>The element type byte of an IDX file (the third byte of its magic number).</summary>
public enum IdxElementType : byte
{
    /// <summary>Unsigned byte (0x08): MNIST images and labels.</summary>
    UByte = 0x08,
    /// <summary>Signed byte (0x09).</summary>
    SByte = 0x09,
    /// <summary>Big-endian 16-bit signed integer (0x0B).</summary>
    Int16 = 0x0B,
    /// <summary>Big-endian 32-bit signed integer (0x0C).</summary>
    Int32 = 0x0C,
    /// <summary>Big-endian 32-bit IEEE float (0x0D).</summary>
    Float32 = 0x0D,
    /// <summary>Big-endian 64-bit IEEE float (0x0E).</summary>
    Float64 = 0x0E,
}

/// <summary>
/// The contents of an IDX file as stored: its element type, its dimensions and its data bytes (big-endian, row-major).
/// Convert with <see cref="ToTensor"/> (exact) or <see cref="ToFloat32"/> (scaled).
/// </summary>
public sealed class IdxArray
{
    private readonly byte[] _data;
    private readonly int[] _dims;
    private readonly string _path;   // the file it was read from, for the message when a conversion is refused

    internal IdxArray(IdxElementType elementType, int[] dims, byte[] data, string path)
    {
        ElementType = elementType;
        _dims = dims;
        _data = data;
        _path = path;
    }

    /// <summary>The element type declared in the header.</summary>
    public IdxElementType ElementType { get; }

    /// <summary>The dimensions declared in the header.</summary>
    public Shape Shape => Shape.Wrap(_dims);

    /// <summary>The number of elements (the product of the dimensions).</summary>
    public int Length => Shape.Product(_dims);

    /// <summary>The data bytes exactly as stored in the file (big-endian, row-major), without the header.</summary>
    public ReadOnlyMemory<byte> RawData => _data;

    /// <summary>The size in bytes of one element of <paramref name="type"/>.</summary>
    public static int ElementSize(IdxElementType type) => type switch
    {
        IdxElementType.UByte or IdxElementType.SByte => 1,
        IdxElementType.Int16 => 2,
        IdxElementType.Int32 or IdxElementType.Float32 => 4,
        IdxElementType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), $"Unknown IDX element type 0x{(byte)type:X2}."),
    };

    /// <summary>
    /// The values as a tensor of the same shape, converted exactly: integer types become <see cref="DType.Int64"/>
    /// (labels), Float32 stays <see cref="DType.Float32"/>, Float64 stays <see cref="DType.Float64"/>.
    /// </summary>
    /// <exception cref="IdxFormatException">The tensor would take more than <see cref="Idx.MaxDataBytes"/>.</exception>
    public Tensor ToTensor()
    {
        int n = Length;
        Idx.CheckAllocation(_path, _dims, ElementType, n, Idx.Product.Exact);
        var shape = (int[])_dims.Clone();
        switch (ElementType)
        {
            case IdxElementType.Float32:
            {
                var f = new float[n];
                for (int i = 0; i < n; i++) f[i] = BinaryPrimitives.ReadSingleBigEndian(_data.AsSpan(4 * i));
                return Tensor.FromHost(f, shape);
            }
            case IdxElementType.Float64:
            {
                var d = new double[n];
                for (int i = 0; i < n; i++) d[i] = BinaryPrimitives.ReadDoubleBigEndian(_data.AsSpan(8 * i));
                return Tensor.FromHost(d, shape);
            }
            default:
            {
                var l = new long[n];
                for (int i = 0; i < n; i++) l[i] = IntegerAt(i);
                return Tensor.FromHost(l, shape);
            }
        }
    }

    /// <summary>
    /// The values as a <see cref="DType.Float32"/> tensor of the same shape, each divided by <paramref name="divisor"/>.
    /// <c>ToFloat32(255)</c> maps unsigned-byte pixels to [0, 1] exactly as torchvision's <c>ToTensor()</c> does
    /// (<c>x.float().div(255)</c>).
    /// </summary>
    /// <exception cref="IdxFormatException">The tensor would take more than <see cref="Idx.MaxDataBytes"/>.</exception>
    public Tensor ToFloat32(float divisor = 1f)
    {
        int n = Length;
        Idx.CheckAllocation(_path, _dims, ElementType, n, Idx.Product.Float32);
        var f = new float[n];
        switch (ElementType)
        {
            case IdxElementType.UByte:
                for (int i = 0; i < n; i++) f[i] = _data[i] / divisor;
                break;
            case IdxElementType.Float32:
                for (int i = 0; i < n; i++) f[i] = BinaryPrimitives.ReadSingleBigEndian(_data.AsSpan(4 * i)) / divisor;
                break;
            case IdxElementType.Float64:
                for (int i = 0; i < n; i++) f[i] = (float)(BinaryPrimitives.ReadDoubleBigEndian(_data.AsSpan(8 * i)) / divisor);
                break;
            default:
                for (int i = 0; i < n; i++) f[i] = IntegerAt(i) / divisor;
                break;
        }
        return Tensor.FromHost(f, (int[])_dims.Clone());
    }

    private long IntegerAt(int i) => ElementType switch
    {
        IdxElementType.UByte => _data[i],
        IdxElementType.SByte => (sbyte)_data[i],
        IdxElementType.Int16 => BinaryPrimitives.ReadInt16BigEndian(_data.AsSpan(2 * i)),
        IdxElementType.Int32 => BinaryPrimitives.ReadInt32BigEndian(_data.AsSpan(4 * i)),
        _ => throw new InvalidOperationException($"IDX element type {ElementType} is not an integer type."),
    };
}
