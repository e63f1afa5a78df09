using System.Buffers.Binary;

namespace Functional.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST: a magic number (two zero bytes, an element-type byte,
/// a rank byte), one big-endian int32 per dimension, then the elements, big-endian and row-major. Files that
/// start with the gzip signature (1f 8b) are decompressed on the fly; such a file must be one complete gzip member whose
/// trailer (the CRC32 and the length of the data, both checked) ends the file.
/// </summary>
/// <remarks>
/// Note [IDX Sizes Are Checked Before Allocating]
/// A header is 4 + 4·rank bytes that anyone can write, so its dimensions are not trusted: their product must fit
/// a tensor (at most <see cref="int.MaxValue"/> elements), every array the read will allocate (the data bytes, and
/// the tensor they become: 8 bytes an element for Int64 and Float64, 4 for Float32) must fit
/// <see cref="MaxDataBytes"/>, and the data bytes must fit what the file can hold (the rest of an uncompressed file;
/// for gzip, what the compressed size can expand to at deflate's maximum ratio), all before anything is allocated.
/// The cap is on what is allocated, not on the file's bytes: 150 MB of zeros gzip to 146 kB, and as Int64 they take
/// 1.2 GB. A gzip stream is read in growing chunks, so memory follows the data actually there, and a stream that ends
/// early is reported as truncated. Bytes after the declared data are an error too.
/// </remarks>
public static class Idx
{
    /// <summary>The largest rank accepted (MNIST uses 1 and 3).</summary>
    public const int MaxRank = 8;

    // deflate's best case is about 1032:1; anything declaring more than this cannot be real data.
    private const long MaxGzipRatio = 1100;

    /// <summary>
    /// The largest array, in bytes, that reading a file may allocate: its data bytes (<see cref="ReadRaw(string)"/>) and the
    /// tensor they become (element count × 8 for Int64 and Float64, × 4 for Float32: <see cref="Read"/>,
    /// <see cref="ReadImages"/>, <see cref="ReadLabels"/>, <see cref="IdxArray.ToTensor"/>, <see cref="IdxArray.ToFloat32"/>).
    /// 1 GiB: the full MNIST training images take 188 MB as Float32. A gzip file can legitimately expand about
    /// 1000-fold, so without a cap a small crafted file could make the reader allocate gigabytes; raise it for larger
    /// data sets.
    /// </summary>
    public static long MaxDataBytes { get; set; } = 1L << 30;
    private const int FirstChunk = 1 << 16;   // a gzip stream's first buffer; it doubles only as data arrives

    /// <summary>
    /// Reads the file and converts it exactly (<see cref="IdxArray.ToTensor"/>): integer types become Int64,
    /// float types keep their width.
    /// </summary>
    /// <exception cref="IdxFormatException">The file is not a well-formed IDX file.</exception>
    public static Tensor Read(string path) => ReadRaw(path, Product.Exact).ToTensor();

    /// <summary>
    /// Reads an unsigned-byte image file as Float32 scaled to [0, 1] (each byte divided by 255, as torchvision's
    /// <c>ToTensor()</c>), keeping the file's shape (e.g. [N, 28, 28]).
    /// </summary>
    /// <exception cref="IdxFormatException">The file is malformed or its elements are not unsigned bytes.</exception>
    public static Tensor ReadImages(string path)
    {
        var raw = ReadRaw(path, Product.Float32);
        if (raw.ElementType != IdxElementType.UByte)
            throw new IdxFormatException(path, $"expected unsigned-byte images (type 0x08), found element type {raw.ElementType} (0x{(byte)raw.ElementType:X2}); use Idx.Read for other types.");
        return raw.ToFloat32(255f);
    }

    /// <summary>Reads an integer-typed label file as an Int64 tensor (PyTorch's class-target dtype).</summary>
    /// <exception cref="IdxFormatException">The file is malformed or its elements are floats.</exception>
    public static Tensor ReadLabels(string path)
    {
        var raw = ReadRaw(path, Product.Exact);
        if (raw.ElementType is IdxElementType.Float32 or IdxElementType.Float64)
            throw new IdxFormatException(path, $"expected integer labels, found element type {raw.ElementType} (0x{(byte)raw.ElementType:X2}).");
        return raw.ToTensor();
    }

    /// <summary>Reads the file's header and data without converting them. See Note [IDX Sizes Are Checked Before Allocating].</summary>
    /// <exception cref="IdxFormatException">The file is not a well-formed IDX file.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static IdxArray ReadRaw(string path) => ReadRaw(path, Product.RawBytes);

    /// <summary>What a read makes of the data bytes, which decides the size of the largest array it allocates.</summary>
    internal enum Product
    {
        /// <summary>The bytes themselves (<see cref="ReadRaw(string)"/>).</summary>
        RawBytes,
        /// <summary>The exact tensor (<see cref="IdxArray.ToTensor"/>): Int64, or the file's float type.</summary>
        Exact,
        /// <summary>A Float32 tensor (<see cref="IdxArray.ToFloat32"/>).</summary>
        Float32,
    }

    /// <summary>
    /// Refuses, before anything is allocated, <paramref name="count"/> elements of <paramref name="type"/> whose data
    /// bytes or <paramref name="product"/> would take more than <see cref="MaxDataBytes"/>. See Note [IDX Sizes Are
    /// Checked Before Allocating].
    /// </summary>
    internal static void CheckAllocation(string path, int[] dims, IdxElementType type, long count, Product product)
    {
        int rawSize = IdxArray.ElementSize(type);
        Refuse("reading them", rawSize);
        if (product == Product.RawBytes) return;
        var (dtype, size) = product == Product.Float32 || type == IdxElementType.Float32 ? ("Float32", 4)
            : type == IdxElementType.Float64 ? ("Float64", 8) : ("Int64", 8);
        Refuse($"converting them to {dtype}", size);

        void Refuse(string what, int elementSize)
        {
            long bytes = count * elementSize;
            if (bytes > MaxDataBytes)
                throw new IdxFormatException(path,
                    $"oversized dimensions {Shape.Format(dims)} of {type}: {what} would allocate {bytes} bytes ({count} elements × {elementSize} bytes), " +
                    $"more than Idx.MaxDataBytes ({MaxDataBytes}); raise Idx.MaxDataBytes if the file is really that large.");
        }
    }

    /// <summary>Reads the file as <see cref="ReadRaw(string)"/> does, refusing dimensions whose <paramref name="product"/> would pass the cap.</summary>
    internal static IdxArray ReadRaw(string path, Product product)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long length = file.Length;
        Span<byte> sig = stackalloc byte[2];
        int got = file.ReadAtLeast(sig, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (got == 2 && sig[0] == 0x1f && sig[1] == 0x8b)
        {
            try
            {
                using var gz = new GzipMemberStream(file);
                return Parse(gz, path, exactLength: null, gzipLength: length, product);
            }
            catch (InvalidDataException e)
            {
                throw new IdxFormatException(path, e.Message, e);   // GzipMemberStream's message says what is wrong
            }
        }
        return Parse(file, path, exactLength: length, gzipLength: null, product);
    }

    private static IdxArray Parse(Stream s, string path, long? exactLength, long? gzipLength, Product product)
    {
        string where = gzipLength is null ? "" : " (after gunzip)";
        Span<byte> magic = stackalloc byte[4];
        int got = s.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new IdxFormatException(path, $"truncated header: expected 4 bytes of magic number, got {got}{where}.");
        if (magic[0] != 0 || magic[1] != 0)
            throw new IdxFormatException(path,
                $"wrong magic number {Convert.ToHexString(magic)}: an IDX file starts with 00 00, then the element type and the rank " +
                "(e.g. 00000803 for MNIST images, 00000801 for labels). Is this an IDX file?");
        var type = (IdxElementType)magic[2];
        if (!Enum.IsDefined(type))
            throw new IdxFormatException(path,
                $"unknown element type 0x{magic[2]:X2} in magic number {Convert.ToHexString(magic)}; known: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.");
        int rank = magic[3];
        if (rank is 0 or > MaxRank)
            throw new IdxFormatException(path, $"rank {rank} in magic number {Convert.ToHexString(magic)} is not supported; expected 1 to {MaxRank} dimensions.");

        var dimBytes = new byte[4 * rank];
        got = s.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (got < dimBytes.Length)
            throw new IdxFormatException(path, $"truncated header: rank {rank} needs {4 + dimBytes.Length} header bytes, got {4 + got}{where}.");
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (d > int.MaxValue)
                throw new IdxFormatException(path, $"dimension {i} is {d}, larger than {int.MaxValue}; the header is corrupt.");
            dims[i] = (int)d;
        }
        int headerLength = 4 + dimBytes.Length;
        string dimText = Shape.Format(dims);

        // The element count, stopping as soon as it exceeds what a tensor can hold (a zero anywhere makes it 0).
        long count = dims.Contains(0) ? 0 : 1;
        foreach (var d in dims)
        {
            if (count == 0) break;
            count *= d;
            if (count > int.MaxValue) break;
        }
        int elementSize = IdxArray.ElementSize(type);
        long available = exactLength is long len ? len - headerLength : -1;
        if (count > int.MaxValue)
            throw new IdxFormatException(path,
                $"oversized dimensions {dimText}: more than {int.MaxValue} elements, which no tensor can hold" +
                (available >= 0 ? $" (and the file has only {available} bytes of data)." : "."));
        long expected = count * elementSize;
        if (expected > Array.MaxLength)
            throw new IdxFormatException(path, $"oversized dimensions {dimText}: {expected} bytes of {type} data is more than one array can hold.");
        CheckAllocation(path, dims, type, count, product);
        if (gzipLength is long gz && expected > gz * MaxGzipRatio)
            throw new IdxFormatException(path,
                $"oversized dimensions {dimText}: they need {expected} bytes of data, but a gzip file of {gz} bytes " +
                $"decompresses to at most about {gz * MaxGzipRatio} bytes; the header is corrupt.");
        if (available >= 0 && expected > available)
            throw new IdxFormatException(path,
                $"truncated data: dimensions {dimText} of {type} need {expected} bytes after the {headerLength}-byte header, got {available}.");

        byte[] data;
        if (available >= 0)
        {
            data = new byte[expected];
            got = s.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (got < expected)
                throw new IdxFormatException(path, $"truncated data: dimensions {dimText} of {type} need {expected} bytes, got {got}.");
        }
        else
        {
            data = new byte[(int)Math.Min(expected, FirstChunk)];
            int filled = 0;
            while (filled < expected)
            {
                if (filled == data.Length) Array.Resize(ref data, (int)Math.Min(expected, 2L * data.Length));
                int n = s.Read(data, filled, data.Length - filled);
                if (n == 0)
                    throw new IdxFormatException(path,
                        $"truncated data: dimensions {dimText} of {type} need {expected} bytes, got {filled} (the gzip stream ended early).");
                filled += n;
            }
        }

        // Trailing bytes mean the header and the data disagree (wrong dimensions, or two files run together).
        if (available > expected)
            throw new IdxFormatException(path,
                $"{available - expected} trailing bytes after the {expected} bytes of data that dimensions {dimText} of {type} declare.");
        if (available < 0)
        {
            Span<byte> probe = stackalloc byte[1];
            if (s.Read(probe) != 0)
            {
                // A corrupt member can look like extra data (a flipped dimension byte); then the gzip fault is the one to report.
                if (s is GzipMemberStream member) member.SkipToEnd(MaxDataBytes);
                throw new IdxFormatException(path,
                    $"trailing bytes after the {expected} bytes of data that dimensions {dimText} of {type} declare{where}.");
            }
        }
        return new IdxArray(type, dims, data, path);
    }
}
