using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Functional.Data;

namespace Functional.Tests;

/// <summary>
/// The IDX reader (the MNIST format; every malformed header or body is a named error that says what is wrong), the
/// TensorDataset / DataLoader pair (PyTorch's batching, shuffling and drop_last), and the shipped Fashion-MNIST
/// subset. Expected Fashion-MNIST values were read with /usr/bin/python3 (gzip + struct) from the same files.
/// </summary>
public sealed class DataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("functional-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- IDX files built by hand --------------------------------------------------------------------------------

    private static byte[] Idx(byte type, int[] dims, byte[] data)
    {
        var b = new byte[4 + 4 * dims.Length + data.Length];
        b[2] = type;
        b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(b, 4 + 4 * dims.Length);
        return b;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(bytes);
        return ms.ToArray();
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] BigEndian(int size, int count, Action<Span<byte>, int> write)
    {
        var b = new byte[size * count];
        for (int i = 0; i < count; i++) write(b.AsSpan(size * i), i);
        return b;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_reads_every_element_type_plain_or_gzipped(bool gzip)
    {
        byte[] Prep(byte[] b) => gzip ? Gzip(b) : b;
        var ub = Data.Idx.Read(WriteFile("ub", Prep(Idx(0x08, [2, 3], [0, 1, 2, 127, 128, 255]))));
        Assert.Equal(DType.Int64, ub.DType);
        Assert.Equal([2, 3], ub.Shape.ToArray());
        Assert.Equal([0L, 1, 2, 127, 128, 255], ub.ToInt64Array());

        Assert.Equal([-128L, -1, 0, 127], Data.Idx.Read(WriteFile("sb", Prep(Idx(0x09, [4], [0x80, 0xFF, 0, 0x7F])))).ToInt64Array());

        short[] shorts = [-32768, -2, 0, 300, 32767];
        var i16 = Data.Idx.Read(WriteFile("i16", Prep(Idx(0x0B, [5], BigEndian(2, 5, (s, i) => BinaryPrimitives.WriteInt16BigEndian(s, shorts[i]))))));
        Assert.Equal(shorts.Select(v => (long)v), i16.ToInt64Array());

        int[] ints = [int.MinValue, -7, 0, 1 << 20, int.MaxValue, 5];
        var i32 = Data.Idx.Read(WriteFile("i32", Prep(Idx(0x0C, [3, 1, 2], BigEndian(4, 6, (s, i) => BinaryPrimitives.WriteInt32BigEndian(s, ints[i]))))));
        Assert.Equal([3, 1, 2], i32.Shape.ToArray());
        Assert.Equal(ints.Select(v => (long)v), i32.ToInt64Array());

        float[] floats = [-1.5f, 0f, 3.25e-7f, float.MaxValue];
        var f32 = Data.Idx.Read(WriteFile("f32", Prep(Idx(0x0D, [2, 2], BigEndian(4, 4, (s, i) => BinaryPrimitives.WriteSingleBigEndian(s, floats[i]))))));
        Assert.Equal(DType.Float32, f32.DType);
        Assert.Equal(floats, f32.ToArray());

        double[] doubles = [Math.PI, -1e300, 0.1];
        var f64 = Data.Idx.Read(WriteFile("f64", Prep(Idx(0x0E, [3], BigEndian(8, 3, (s, i) => BinaryPrimitives.WriteDoubleBigEndian(s, doubles[i]))))));
        Assert.Equal(DType.Float64, f64.DType);
        Assert.Equal(doubles, f64.ToDoubleArray());
    }

    [Fact]
    public void Idx_images_become_float32_divided_by_255_and_labels_int64()
    {
        var images = Data.Idx.ReadImages(WriteFile("img", Idx(0x08, [1, 2, 2], [0, 51, 128, 255])));
        Assert.Equal(DType.Float32, images.DType);
        Assert.Equal([1, 2, 2], images.Shape.ToArray());
        Assert.Equal([0f, 51f / 255f, 128f / 255f, 1f], images.ToArray());   // torchvision: x.float().div(255)

        var labels = Data.Idx.ReadLabels(WriteFile("lab", Idx(0x08, [3], [9, 0, 4])));
        Assert.Equal(DType.Int64, labels.DType);
        Assert.Equal([9L, 0, 4], labels.ToInt64Array());

        var raw = Data.Idx.ReadRaw(WriteFile("raw", Idx(0x0B, [2], [0x01, 0x02, 0xFF, 0xFE])));
        Assert.Equal(IdxElementType.Int16, raw.ElementType);
        Assert.Equal(2, raw.Length);
        Assert.Equal(new byte[] { 0x01, 0x02, 0xFF, 0xFE }, raw.RawData.ToArray());   // as stored: big-endian
        Assert.Equal([258f / 2, -2f / 2], raw.ToFloat32(2).ToArray());

        Assert.Throws<IdxFormatException>(() => Data.Idx.ReadImages(WriteFile("f", Idx(0x0D, [1], [0, 0, 0, 0]))));
        Assert.Throws<IdxFormatException>(() => Data.Idx.ReadLabels(WriteFile("g", Idx(0x0E, [1], new byte[8]))));
    }

    [Fact]
    public void Idx_zero_sized_dimension_gives_an_empty_tensor()
    {
        var t = Data.Idx.Read(WriteFile("empty", Idx(0x08, [0, 28, 28], [])));
        Assert.Equal([0, 28, 28], t.Shape.ToArray());
        Assert.Equal(0, t.NumElements);
    }

    public static IEnumerable<object[]> MalformedIdx()
    {
        var good = Idx(0x08, [2, 2], [1, 2, 3, 4]);
        object[] Case(string name, byte[] bytes, string expected) => [name, bytes, expected];
        yield return Case("empty file", [], "truncated header: expected 4 bytes of magic number, got 0");
        yield return Case("three bytes", [0, 0, 8], "truncated header: expected 4 bytes of magic number, got 3");
        yield return Case("wrong magic", [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7], "wrong magic number 12340801");
        yield return Case("text file", "hello, world\n"u8.ToArray(), "wrong magic number");
        yield return Case("unknown type", [0, 0, 0x0A, 1, 0, 0, 0, 1, 7], "unknown element type 0x0A");
        yield return Case("rank 0", [0, 0, 0x08, 0], "rank 0");
        yield return Case("rank 9", [0, 0, 0x08, 9, .. new byte[36]], "rank 9");
        yield return Case("truncated dims", good[..9], "truncated header: rank 2 needs 12 header bytes, got 9");
        yield return Case("truncated data", good[..14], "truncated data: dimensions [2, 2] of UByte need 4 bytes after the 12-byte header, got 2");
        yield return Case("trailing bytes", [.. good, 0xAA, 0xBB], "2 trailing bytes");
        yield return Case("negative dimension", [0, 0, 0x08, 1, 0x80, 0, 0, 0], "dimension 0 is 2147483648");
        yield return Case("element count overflows", Idx(0x08, [65536, 65536, 65536], [1, 2, 3]), "oversized dimensions [65536, 65536, 65536]");
        yield return Case("far more than the file", Idx(0x0E, [60000, 28, 28], new byte[100]), "need 376320000 bytes after the 16-byte header, got 100");
    }

    [Theory]
    [MemberData(nameof(MalformedIdx))]
    public void Idx_malformed_files_name_the_file_and_the_problem(string name, byte[] bytes, string expected)
    {
        var path = WriteFile(name.Replace(' ', '_'), bytes);
        var e = Assert.Throws<IdxFormatException>(() => Data.Idx.ReadRaw(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    public static IEnumerable<object[]> MalformedGzip()
    {
        var good = Idx(0x08, [2, 2], [1, 2, 3, 4]);
        object[] Case(string name, byte[] bytes, string expected) => [name, bytes, expected];
        // .NET writes nothing at all for empty input; this is what gzip.compress(b"", mtime=0) gives.
        yield return Case("gz empty content", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0], "truncated header: expected 4 bytes of magic number, got 0 (after gunzip)");
        yield return Case("gz wrong magic", Gzip([1, 2, 3, 4, 5]), "wrong magic number 01020304");
        yield return Case("gz truncated data", Gzip(good[..13]), "need 4 bytes, got 1 (the gzip stream ended early)");
        yield return Case("gz trailing bytes", Gzip([.. good, 9]), "trailing bytes after the 4 bytes of data");
        yield return Case("gz element count overflows", Gzip(Idx(0x08, [65536, 65536, 65536], [])), "oversized dimensions");
        yield return Case("gz far more than it can hold", Gzip(Idx(0x08, [1 << 30], [1, 2, 3])), "decompresses to at most about");
        var truncatedStream = Gzip(Idx(0x08, [1000], Enumerable.Range(0, 1000).Select(i => (byte)(i * 7919 >> 3)).ToArray()));
        yield return Case("gz stream cut short", truncatedStream[..(truncatedStream.Length / 2)], "gzip stream ends inside its compressed data");
        var corrupt = Gzip(good);
        corrupt[12] ^= 0xFF; corrupt[13] ^= 0xFF;
        yield return Case("gz corrupt", corrupt, "corrupt compressed data: the deflate stream is invalid");
    }

    [Theory]
    [MemberData(nameof(MalformedGzip))]
    public void Idx_malformed_gzip_files_name_the_file_and_the_problem(string name, byte[] bytes, string expected)
    {
        var path = WriteFile(name.Replace(' ', '_') + ".gz", bytes);
        var e = Assert.Throws<IdxFormatException>(() => Data.Idx.ReadRaw(path));
        Assert.Equal(path, e.Path);
        Assert.True(e.Message.Contains(expected), $"expected \"{expected}\" in: {e.Message}");
    }

    /// <summary>CRC-32 as gzip defines it (RFC 1952: reflected polynomial EDB88320, inverted before and after), bit by bit.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = ~0u;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
        }
        return ~c;
    }

    [Fact]
    public void Crc32_is_gzips_CRC_at_every_length_and_split()
    {
        Assert.Equal(0xCBF43926u, Data.Crc32.Append(0, "123456789"u8));   // the standard check value
        var rng = new Random(5);
        for (int n = 0; n < 100; n++)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            Assert.Equal(Crc32(b), Data.Crc32.Append(0, b));
            int cut = rng.Next(n + 1);
            Assert.Equal(Crc32(b), Data.Crc32.Append(Data.Crc32.Append(0, b.AsSpan(0, cut)), b.AsSpan(cut)));
        }
    }

    /// <summary>A gzip file built by hand: the 10-byte header (with <paramref name="flags"/> and their fields), one stored
    /// (uncompressed) deflate block, and the trailer (CRC32 and length of <paramref name="data"/>, little-endian).</summary>
    private static byte[] StoredGzip(byte[] data, byte flags = 0, byte[]? fields = null)
    {
        var b = new List<byte> { 0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 0xff };
        b.AddRange(fields ?? []);
        int n = data.Length;
        b.AddRange([0x01, (byte)n, (byte)(n >> 8), (byte)~n, (byte)(~n >> 8)]);   // BFINAL = 1, BTYPE = 00, LEN, NLEN
        b.AddRange(data);
        var trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32(data));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), (uint)n);
        b.AddRange(trailer);
        return [.. b];
    }

    public static IEnumerable<object[]> CorruptGzip()
    {
        var good = Idx(0x08, [2, 2], [1, 2, 3, 4]);
        var flipped = Idx(0x08, [2, 2], [1, 2, 3, 4 ^ 0x40]);
        var gz = Gzip(good);
        var stored = StoredGzip(good);
        int lastData = stored.Length - 9;   // the last data byte: pixel 4
        var storedFlipped = (byte[])stored.Clone();
        storedFlipped[lastData] ^= 0x40;
        var wrongSize = (byte[])stored.Clone();
        wrongSize[^4] ^= 1;
        var badBlockType = (byte[])gz.Clone();
        badBlockType[10] |= 0x06;           // the first block's BTYPE = 11, reserved
        object[] Case(string name, byte[] bytes, string expected) => [name, bytes, expected];
        yield return Case("trailer cut off", gz[..^8], "gzip stream ends before its 8-byte trailer (file truncated?): 0 of its 8 bytes are there.");
        yield return Case("trailer cut short", gz[..^3], "gzip stream ends before its 8-byte trailer (file truncated?): 5 of its 8 bytes are there.");
        yield return Case("stored block, flipped byte, trailer cut off", storedFlipped[..^8], "gzip stream ends before its 8-byte trailer (file truncated?)");
        yield return Case("stored block, flipped byte", storedFlipped,
            $"CRC32 mismatch: trailer says {Crc32(good):X8}, data gives {Crc32(flipped):X8} (file corrupt).");
        // A flipped dimension byte: the data then looks too long or too short, but the gzip fault is the one to report.
        foreach (byte dim in new byte[] { 1, 3 })
        {
            var dimFlipped = (byte[])stored.Clone();
            dimFlipped[15 + 7] = dim;   // the stored data starts after the 10-byte header and the 5-byte block header
            var idxFlipped = (byte[])good.Clone();
            idxFlipped[7] = dim;
            yield return Case($"stored block, dimension 2 flipped to {dim}", dimFlipped,
                $"CRC32 mismatch: trailer says {Crc32(good):X8}, data gives {Crc32(idxFlipped):X8} (file corrupt).");
        }
        yield return Case("stored block, wrong length", wrongSize, $"ISIZE mismatch: trailer says {good.Length ^ 1} bytes (mod 2^32), the data has {good.Length} (file corrupt).");
        yield return Case("zeros after the member", [.. gz, 0, 0, 0], $"3 bytes after the end of the gzip member (it ends at byte {gz.Length} of {gz.Length + 3})");
        yield return Case("garbage after the member", [.. gz, .. "garbage"u8], "7 bytes after the end of the gzip member");
        yield return Case("a second member", [.. gz, .. gz], $"{gz.Length} bytes after the end of the gzip member");
        yield return Case("stored block, garbage after", [.. stored, 1], "1 byte after the end of the gzip member");
        yield return Case("invalid block type", badBlockType, "corrupt compressed data: the deflate stream is invalid after 0 bytes of output (file corrupt).");
        yield return Case("compression method 7", [.. gz[..2], 7, .. gz[3..]], "unsupported compression method 7 in the gzip header (its CM byte); gzip defines only 8, deflate.");
        yield return Case("reserved flag", [.. gz[..3], 0x20, .. gz[4..]], "gzip header flags 0x20 set reserved bits 5 to 7; the header is corrupt.");
        yield return Case("header cut short", gz[..7], "gzip header truncated: the file ends after 7 bytes, inside the fixed 10-byte header (file truncated?).");
        yield return Case("file name never ends", StoredGzip(good, flags: 0x08, fields: "name"u8.ToArray())[..14], "gzip header truncated: the file ends after 14 bytes, inside the file name (FNAME) field (file truncated?).");
        var header = new byte[] { 0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 0xff };
        ushort headerCrc = (ushort)Crc32(header);
        yield return Case("header CRC16 wrong", StoredGzip(good, flags: 0x02, fields: [(byte)~headerCrc, (byte)(headerCrc >> 8)]),
            $"gzip header CRC16 mismatch: the header says {(ushort)(headerCrc ^ 0xFF):X4}, its bytes give {headerCrc:X4} (file corrupt).");
    }

    [Theory]
    [MemberData(nameof(CorruptGzip))]
    public void Idx_gzip_member_is_checked_end_to_end_and_each_fault_is_named(string name, byte[] bytes, string expected)
    {
        // Before, the reader loaded the cut trailers and the bytes after the member (the stored block with a flipped byte
        // and no trailer as a wrong pixel) and called CRC, length and deflate faults "unsupported compression method".
        // gunzip and Python's gzip would join a second member; an IDX file is one member, so it is refused too.
        var path = WriteFile(name.Replace(' ', '_').Replace(",", "") + ".gz", bytes);
        var e = Assert.Throws<IdxFormatException>(() => Data.Idx.ReadRaw(path));
        Assert.Equal(path, e.Path);
        Assert.True(e.Message.Contains(expected), $"expected \"{expected}\" in: {e.Message}");
    }

    [Fact]
    public void Idx_gzip_with_a_flipped_byte_anywhere_loads_the_same_data_or_names_the_fault()
    {
        // Each byte of a small gzip file, flipped in turn: the file still loads the same data (the bits that do not
        // matter: MTIME, XFL, OS, FTEXT, the padding after the last block) or is refused with a message that says what is
        // wrong. zlib calls every data error "unsupported compression method"; only a CM byte other than 8 is that.
        var good = Idx(0x0B, [3, 2], BigEndian(2, 6, (s, i) => BinaryPrimitives.WriteInt16BigEndian(s, (short)(1000 * i - 2500))));
        var gz = Gzip(good);
        for (int i = 0; i < gz.Length; i++)
            foreach (byte mask in new byte[] { 0x01, 0x10, 0xFF })
            {
                var bad = (byte[])gz.Clone();
                bad[i] ^= mask;
                var path = WriteFile($"flip{i}_{mask}.gz", bad);
                try
                {
                    var raw = Data.Idx.ReadRaw(path);
                    Assert.True(raw.RawData.Span.SequenceEqual(good.AsSpan(12)), $"byte {i} ^ {mask:X2}: loaded different data");
                }
                catch (IdxFormatException e)
                {
                    if (i != 2) Assert.DoesNotContain("unsupported compression method", e.Message);
                }
            }
    }

    [Fact]
    public void Idx_gzip_header_fields_are_skipped_and_its_CRC16_checked()
    {
        // FEXTRA (2-byte length, then data), FNAME and FCOMMENT (zero-terminated), FHCRC (the low 16 bits of the CRC-32
        // of the header before it): what gzip -N and Python's gzip.open write, read past exactly.
        var good = Idx(0x08, [2, 2], [1, 2, 3, 4]);
        byte[] fields = [3, 0, 0xAA, 0xBB, 0xCC, .. "t10k.idx"u8, 0, .. "a comment"u8, 0];
        byte[] header = [0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 0xff, .. fields];
        ushort crc16 = (ushort)Crc32(header);
        var bytes = StoredGzip(good, flags: 0x04 | 0x08 | 0x10 | 0x02, fields: [.. fields, (byte)crc16, (byte)(crc16 >> 8)]);
        Assert.Equal([1L, 2, 3, 4], Data.Idx.Read(WriteFile("fields.gz", bytes)).ToInt64Array());
        Assert.Equal([1L, 2, 3, 4], Data.Idx.Read(WriteFile("stored.gz", StoredGzip(good))).ToInt64Array());
    }

    [Fact]
    public void Idx_gzip_with_a_lying_header_allocates_only_what_the_data_justifies()
    {
        // 200 kB of incompressible data under a header that claims 200 MB: within deflate's ratio for the file
        // size, so only reading can tell. Memory must follow the bytes actually there, not the header's claim.
        var rng = new Random(1);
        var data = new byte[200_000];
        rng.NextBytes(data);
        var path = WriteFile("liar.gz", Gzip(Idx(0x08, [200_000_000], data)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => Data.Idx.ReadRaw(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("need 200000000 bytes, got 200000 (the gzip stream ended early)", e.Message);
        Assert.True(allocated < 8_000_000, $"allocated {allocated} bytes for 200 kB of data");
    }

    /// <summary>A gzip file of the IDX header for <paramref name="dims"/> (unsigned bytes) and that many zero bytes,
    /// written in 1 MiB pieces: a few hundred MB of zeros compress about 1,030:1, so the file is small.</summary>
    private string WriteZerosGzip(string name, int[] dims)
    {
        var path = Path.Combine(_dir, name);
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var zeros = new byte[1 << 20];
        using (var file = File.Create(path))
        using (var gz = new GZipStream(file, CompressionLevel.Optimal))
        {
            gz.Write(Idx(0x08, dims, []));
            for (long left = count; left > 0; left -= zeros.Length) gz.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
        }
        return path;
    }

    [Fact]
    public void Idx_Read_refuses_before_allocating_a_tensor_larger_than_MaxDataBytes()
    {
        // 150,000,000 zero bytes in a 146 kB gzip: as bytes they are under the 1 GiB cap and within deflate's ratio for
        // the file size, but Idx.Read makes Int64 of them, 1.2 GB. The cap is on what a read allocates, not on the bytes.
        var path = WriteZerosGzip("zeros.gz", [150_000_000]);
        Assert.InRange(new FileInfo(path).Length, 140_000, 160_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => Data.Idx.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("oversized dimensions [150000000] of UByte: converting them to Int64 would allocate 1200000000 bytes " +
                        "(150000000 elements × 8 bytes), more than Idx.MaxDataBytes (1073741824)", e.Message);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes before refusing");
        Assert.Contains("converting them to Int64 would allocate 1200000000 bytes", Assert.Throws<IdxFormatException>(() => Data.Idx.ReadLabels(path)).Message);
    }

    [Fact]
    public void IdxArray_conversions_refuse_before_allocating_past_MaxDataBytes()
    {
        // An IdxArray from ReadRaw holds bytes under the cap; converting them must not allocate past it either.
        var raw = new IdxArray(IdxElementType.UByte, [150_000_000], [], "raw.idx");
        Assert.Contains("converting them to Int64 would allocate 1200000000 bytes", Assert.Throws<IdxFormatException>(() => raw.ToTensor()).Message);
        var big = new IdxArray(IdxElementType.UByte, [300_000_000], [], "big.idx");
        Assert.Contains("converting them to Float32 would allocate 1200000000 bytes", Assert.Throws<IdxFormatException>(() => big.ToFloat32(255f)).Message);
    }

    [Fact]
    public void FashionMnist_LoadFiles_refuses_before_allocating_images_larger_than_MaxDataBytes_as_Float32()
    {
        // 350,000 zero images of 28 × 28: 274 MB of bytes in a 266 kB gzip, under the 1 GiB cap, but 1.1 GB as Float32.
        var images = WriteZerosGzip("images.gz", [350_000, 28, 28]);
        var labels = WriteZerosGzip("labels.gz", [350_000]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => FashionMnist.LoadFiles(images, labels));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(images, e.Path);
        Assert.Contains("oversized dimensions [350000, 28, 28] of UByte: converting them to Float32 would allocate 1097600000 bytes", e.Message);
        Assert.True(allocated < 1_000_000, $"allocated {allocated} bytes before refusing");
    }

    // ---- TensorDataset and DataLoader -------------------------------------------------------------------------

    /// <summary>n samples: input row i = [i, i + 0.5, i + 0.25], target i = 100 + i.</summary>
    private static TensorDataset Numbered(int n)
    {
        var x = new float[n * 3];
        var y = new long[n];
        for (int i = 0; i < n; i++) { x[3 * i] = i; x[3 * i + 1] = i + 0.5f; x[3 * i + 2] = i + 0.25f; y[i] = 100 + i; }
        return new TensorDataset(Tensor.From(x, [n, 3]), Tensor.From(y));
    }

    private static void AssertPaired((Tensor Input, Tensor Target) batch)
    {
        var x = batch.Input.ToArray();
        var y = batch.Target.ToInt64Array();
        Assert.Equal(y.Length * 3, x.Length);
        for (int i = 0; i < y.Length; i++)
            Assert.Equal([y[i] - 100, y[i] - 99.5f, y[i] - 99.75f], x.AsSpan(3 * i, 3).ToArray());
    }

    [Fact]
    public void TensorDataset_indexes_slices_and_gathers_rows()
    {
        var ds = Numbered(10);
        Assert.Equal(10, ds.Count);
        var (x3, y3) = ds[3];
        Assert.Equal([3], x3.Shape.ToArray());
        Assert.Equal([3f, 3.5f, 3.25f], x3.ToArray());
        Assert.Equal(0, y3.Rank);
        Assert.Equal(103L, y3.ToInt64Array()[0]);

        var batch = ds.GetBatch([7, 2, 3, 4, 9]);
        Assert.Equal([5, 3], batch.Input.Shape.ToArray());
        Assert.Equal([107L, 102, 103, 104, 109], batch.Target.ToInt64Array());
        AssertPaired(batch);
        Assert.True(batch.Input.IsContiguous && !batch.Input.IsView && !batch.Input.RequiresGrad);

        var tail = ds.Slice(8, 2);
        Assert.Equal(2, tail.Count);
        Assert.Equal([108L, 109], tail.Targets.ToInt64Array());
        Assert.Equal([109L], tail.GetBatch([1]).Target.ToInt64Array());

        Assert.Throws<ArgumentOutOfRangeException>(() => ds[10]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.GetBatch([0, -1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Slice(5, 6));
        var e = Assert.Throws<ShapeMismatchException>(() => new TensorDataset(Tensor.Zeros(4, 2), Tensor.Zeros(5)));
        Assert.Contains("4 samples", e.Message);
    }

    [Fact]
    public void TensorDataset_detaches_and_accepts_non_contiguous_inputs()
    {
        var w = Tensor.From([1f, 2f, 3f, 4f, 5f, 6f], [3, 2], requiresGrad: true);   // rows of w.T: [1,3,5], [2,4,6]
        var ds = new TensorDataset(w.T, Tensor.From([0L, 1L]));
        Assert.False(ds.Inputs.RequiresGrad);
        var (x, _) = ds.GetBatch([1, 0]);
        Assert.Equal([2f, 4f, 6f, 1f, 3f, 5f], x.ToArray());
        Assert.False(x.RequiresGrad);
    }

    [Fact]
    public void DataLoader_batches_in_order_with_a_partial_last_batch_unless_dropLast()
    {
        var ds = Numbered(10);
        var loader = new DataLoader(ds, batchSize: 4);
        Assert.Equal(3, loader.Count);
        var batches = loader.ToList();
        Assert.Equal([4, 4, 2], batches.Select(b => b.Input.Shape[0]));
        Assert.Equal(Enumerable.Range(100, 10).Select(i => (long)i), batches.SelectMany(b => b.Target.ToInt64Array()));
        Assert.All(batches, AssertPaired);

        var dropping = new DataLoader(ds, batchSize: 4, dropLast: true);
        Assert.Equal(2, dropping.Count);
        Assert.Equal([4, 4], dropping.Select(b => b.Input.Shape[0]));
        Assert.Equal(5, new DataLoader(ds, 2, dropLast: true).Count());
        Assert.Single(new DataLoader(ds, 64));
        Assert.Empty(new DataLoader(ds, 64, dropLast: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(ds, 0));
    }

    [Fact]
    public void DataLoader_shuffles_afresh_each_epoch_and_deterministically_from_the_seed()
    {
        var ds = Numbered(50);
        List<long[]> Epochs(DataLoader l, int n) =>
            Enumerable.Range(0, n).Select(_ => l.SelectMany(b => { AssertPaired(b); return b.Target.ToInt64Array(); }).ToArray()).ToList();

        var a = Epochs(new DataLoader(ds, 8, shuffle: true, gen: new Generator(42)), 3);
        var b = Epochs(new DataLoader(ds, 8, shuffle: true, gen: new Generator(42)), 3);
        var c = Epochs(new DataLoader(ds, 8, shuffle: true, gen: new Generator(43)), 1);
        var sorted = Enumerable.Range(100, 50).Select(i => (long)i).ToArray();
        foreach (var epoch in a) Assert.Equal(sorted, epoch.Order());       // each epoch is a permutation
        Assert.NotEqual(sorted, a[0]);                                          // ... that is shuffled
        Assert.NotEqual(a[0], a[1]);                                            // ... afresh each epoch
        Assert.NotEqual(a[1], a[2]);
        Assert.Equal(a, b);                                                     // ... fixed by the seed
        Assert.NotEqual(a[0], c[0]);

        // The order is drawn when the epoch starts, so it does not depend on how far an earlier epoch ran.
        var l1 = new DataLoader(ds, 8, shuffle: true, gen: new Generator(7));
        var l2 = new DataLoader(ds, 8, shuffle: true, gen: new Generator(7));
        _ = l1.First();
        Assert.Equal(Epochs(l2, 2)[1], Epochs(l1, 1)[0]);
    }

    [Fact]
    public void DataLoader_shuffle_with_dropLast_drops_a_random_remainder()
    {
        var loader = new DataLoader(Numbered(10), 4, shuffle: true, gen: new Generator(3), dropLast: true);
        var seen = loader.SelectMany(b => b.Target.ToInt64Array()).ToArray();
        Assert.Equal(8, seen.Length);
        Assert.Equal(8, seen.Distinct().Count());
    }

    // ---- the shipped Fashion-MNIST test set ---------------------------------------------------------------------

    private static string DataDir => Path.Combine(DocsTests.RepoRoot(), "data", "fashion-mnist");

    [Fact]
    public void Shipped_fashion_mnist_has_10000_images_and_labels_0_to_9()
    {
        var raw = Data.Idx.ReadRaw(Path.Combine(DataDir, "t10k-images-idx3-ubyte.gz"));
        Assert.Equal(IdxElementType.UByte, raw.ElementType);
        Assert.Equal([10000, 28, 28], raw.Shape.ToArray());

        var labels = Data.Idx.ReadLabels(Path.Combine(DataDir, "t10k-labels-idx1-ubyte.gz")).ToInt64Array();
        Assert.Equal(10000, labels.Length);
        Assert.All(labels, l => Assert.InRange(l, 0, 9));
        Assert.All(labels.GroupBy(l => l), g => Assert.Equal(1000, g.Count()));   // python: Counter -> 1000 each
        // /usr/bin/python3: gzip.open(...).read()[8:18] and [-1]
        Assert.Equal([9L, 2, 1, 1, 6, 1, 4, 6, 5, 7], labels[..10]);
        Assert.Equal(5L, labels[^1]);
    }

    [Fact]
    public void LoadDefault_splits_the_test_set_8000_2000_flattened_and_scaled()
    {
        var (train, test) = FashionMnist.LoadDefault(DataDir);
        Assert.Equal(8000, train.Count);
        Assert.Equal(2000, test.Count);
        Assert.Equal([8000, 784], train.Inputs.Shape.ToArray());
        Assert.Equal([2000, 784], test.Inputs.Shape.ToArray());
        Assert.Equal(DType.Float32, train.Inputs.DType);
        Assert.Equal(DType.Int64, train.Targets.DType);

        var first = train[0];
        Assert.Equal(9L, first.Target.ToInt64Array()[0]);                   // "Ankle boot"
        Assert.Equal("Ankle boot", FashionMnist.Classes[9]);
        var px = first.Input.ToArray();
        Assert.All(px, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(255f / 255f, px.Max());
        Assert.Equal(33456 / 255.0, px.Sum(p => (double)p), 3);             // python: sum of the first image's bytes
        Assert.Equal(3f / 255f, px[215]);                                   // python: first non-zero pixel (215, 3)
        Assert.Equal([7L, 2L], test.GetBatch([0, 1]).Target.ToInt64Array()); // python: labels[8000], labels[8001]
        Assert.Equal(24390 / 255.0, test[1999].Input.ToArray().Sum(p => (double)p), 3);

        Assert.Equal(Path.GetFullPath(DataDir), FashionMnist.FindDataDirectory());
    }

    [Fact]
    public void Load_reads_train_and_test_files_plain_or_gzipped_and_checks_they_match()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "fm")).FullName;
        byte[] images = [.. Enumerable.Range(0, 2 * 784).Select(i => (byte)i)];
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), Idx(0x08, [2, 28, 28], images));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), Gzip(Idx(0x08, [2], [3, 8])));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), Gzip(Idx(0x08, [1, 28, 28], images[..784])));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx(0x08, [1], [0]));
        var (train, test) = FashionMnist.Load(dir);
        Assert.Equal([2, 784], train.Inputs.Shape.ToArray());
        Assert.Equal([3L, 8L], train.Targets.ToInt64Array());
        Assert.Equal(1f, train[1].Input.ToArray()[239]);   // sample 1, pixel k holds (784 + k) % 256: 255 at k = 239
        Assert.Equal(1, test.Count);

        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx(0x08, [2], [0, 1]));
        var e = Assert.Throws<IdxFormatException>(() => FashionMnist.Load(dir));
        Assert.Contains("expected 1 labels", e.Message);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx(0x08, [1], [10]));
        Assert.Contains("label 0 is 10", Assert.Throws<IdxFormatException>(() => FashionMnist.Load(dir)).Message);
        File.Delete(Path.Combine(dir, "train-labels-idx1-ubyte.gz"));
        var missing = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir));
        Assert.Contains("train-labels-idx1-ubyte.gz", missing.Message);
    }
}
