using System.Buffers.Binary;
using System.IO.Compression;

namespace Functional.Data;

/// <summary>
/// Reads one gzip member (RFC 1952) from a seekable stream positioned at its start, and checks all of it: the header
/// (ID 1f 8b, compression method 8, no reserved flag bits; the extra field, file name and comment skipped; the header
/// CRC16 checked when present), the deflate body (inflated by <see cref="DeflateStream"/>), and, when the body ends,
/// the 8-byte trailer (the CRC32 of the inflated bytes and their count mod 2^32) and that nothing follows it. A file of
/// several members (which gunzip would join) is refused at the end of the first. Every fault is an
/// <see cref="InvalidDataException"/> whose message says what is wrong.
/// </summary>
/// <remarks>
/// Note [Where a Deflate Body Ends]
/// The trailer follows the last bit of the deflate body, but DeflateStream reads its input in chunks and keeps what it
/// did not use, so where the input stands after the last block says only that the body ended in the last chunk. zlib,
/// however, asks for input only when it needs more and stops at the last bit of the final block. So the body is fed in
/// chunks up to one byte before where a member that ends the file has its trailer (file length - 9), and one byte a read
/// after that: a body that ends in the byte-at-a-time part ends exactly where the input stands. A body that ends
/// earlier is followed by stray bytes; to say how many, it is inflated once more, one byte a read from the start of the
/// last chunk, which holds its end (a second pass, only for a file that is refused anyway). A read of the input at the
/// end of the file means the body had not ended: the file is truncated.
/// zlib reports every fault in deflate data, and a wrong CRC32 or length, as "unsupported compression method" through
/// DeflateStream and GZipStream; checking the header and the trailer here keeps that message for the one fault it
/// names, a CM byte other than 8, and says "corrupt compressed data" for the rest.
/// </remarks>
internal sealed class GzipMemberStream : ForwardReadStream
{
    private const byte FHCRC = 0x02, FEXTRA = 0x04, FNAME = 0x08, FCOMMENT = 0x10, Reserved = 0xE0;

    private readonly Stream _file;
    private readonly long _bodyStart;
    private readonly Feed _feed;
    private readonly DeflateStream _inflater;
    private uint _crc;        // the CRC32 of the output so far
    private long _produced;   // the bytes of output so far
    private bool _ended;

    /// <summary>Reads the header of the member that starts at <paramref name="file"/>'s position. The stream must be
    /// seekable; it is left open.</summary>
    /// <exception cref="InvalidDataException">The header is truncated or corrupt.</exception>
    public GzipMemberStream(Stream file)
    {
        _file = file;
        _bodyStart = SkipHeader(file);
        _feed = new Feed(file, singleFrom: Math.Max(_bodyStart, file.Length - 9));
        _inflater = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Inflates into <paramref name="buffer"/>; at the end of the body, checks the trailer and what follows it
    /// before returning 0.</summary>
    /// <exception cref="InvalidDataException">The member is corrupt or truncated, or bytes follow it.</exception>
    public override int Read(Span<byte> buffer)
    {
        if (_ended || buffer.IsEmpty) return 0;
        int n;
        try
        {
            n = _inflater.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException(
                $"corrupt compressed data: the deflate stream is invalid after {_produced} bytes of output (file corrupt).", e);
        }
        if (n > 0)
        {
            _crc = Crc32.Append(_crc, buffer[..n]);
            _produced += n;
            return n;
        }
        _ended = true;
        CheckEnd();
        return 0;
    }

    /// <summary>Inflates and discards up to <paramref name="limit"/> bytes, so that a member that ends within them is
    /// checked to its end.</summary>
    /// <exception cref="InvalidDataException">The member is corrupt or truncated, or bytes follow it.</exception>
    public void SkipToEnd(long limit)
    {
        var sink = new byte[8192];
        for (long skipped = 0; skipped < limit;)
        {
            int n = Read(sink.AsSpan(0, (int)Math.Min(sink.Length, limit - skipped)));
            if (n == 0) return;
            skipped += n;
        }
    }

    private void CheckEnd()
    {
        if (_feed.AskedAtEnd)
            throw new InvalidDataException($"gzip stream ends inside its compressed data, after {_produced} bytes of output (file truncated?).");
        long end = _feed.At > _feed.SingleFrom ? _feed.At : ExactEnd(_feed.LastChunkStart);
        long length = _file.Length;
        long left = length - end;
        if (left < 8)
            throw new InvalidDataException($"gzip stream ends before its 8-byte trailer (file truncated?): {left} of its 8 bytes are there.");
        Span<byte> trailer = stackalloc byte[8];
        _file.Position = end;
        _file.ReadExactly(trailer);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (crc != _crc)
            throw new InvalidDataException($"CRC32 mismatch: trailer says {crc:X8}, data gives {_crc:X8} (file corrupt).");
        if (size != (uint)_produced)
            throw new InvalidDataException($"ISIZE mismatch: trailer says {size} bytes (mod 2^32), the data has {_produced} (file corrupt).");
        if (left > 8)
            throw new InvalidDataException(
                $"{left - 8} {(left == 9 ? "byte" : "bytes")} after the end of the gzip member (it ends at byte {end + 8} of {length}); " +
                "the file must be one gzip member and nothing after it.");
    }

    /// <summary>Where the body ends, when it ended before the byte-at-a-time part: inflates it again, one byte a read
    /// from <paramref name="lastChunkStart"/>. See Note [Where a Deflate Body Ends].</summary>
    private long ExactEnd(long lastChunkStart)
    {
        _file.Position = _bodyStart;
        var feed = new Feed(_file, singleFrom: lastChunkStart);
        using var inflater = new DeflateStream(feed, CompressionMode.Decompress, leaveOpen: true);
        var sink = new byte[8192];
        while (inflater.Read(sink) > 0) { }
        return feed.At;
    }

    /// <summary>Reads the header (RFC 1952 section 2.3) and returns where the deflate body starts.</summary>
    private static long SkipHeader(Stream file)
    {
        long start = file.Position;
        uint crc = 0;
        Span<byte> head = stackalloc byte[10];
        ReadField(head, "the fixed 10-byte header");
        if (head[0] != 0x1f || head[1] != 0x8b)
            throw new InvalidDataException($"not a gzip file: it starts with {Convert.ToHexString(head[..2])}, not 1F8B.");
        if (head[2] != 8)
            throw new InvalidDataException($"unsupported compression method {head[2]} in the gzip header (its CM byte); gzip defines only 8, deflate.");
        byte flags = head[3];
        if ((flags & Reserved) != 0)
            throw new InvalidDataException($"gzip header flags 0x{flags:X2} set reserved bits 5 to 7; the header is corrupt.");
        Span<byte> buffer = stackalloc byte[256];
        if ((flags & FEXTRA) != 0)
        {
            ReadField(buffer[..2], "the extra field's length (FEXTRA)");
            for (int left = BinaryPrimitives.ReadUInt16LittleEndian(buffer); left > 0; left -= Math.Min(left, buffer.Length))
                ReadField(buffer[..Math.Min(left, buffer.Length)], "the extra field (FEXTRA)");
        }
        if ((flags & FNAME) != 0) SkipZeroTerminated(buffer[..1], "the file name (FNAME) field");
        if ((flags & FCOMMENT) != 0) SkipZeroTerminated(buffer[..1], "the comment (FCOMMENT) field");
        if ((flags & FHCRC) != 0)
        {
            ushort gives = (ushort)crc;
            ReadField(buffer[..2], "the header CRC16 (FHCRC)");
            ushort says = BinaryPrimitives.ReadUInt16LittleEndian(buffer);
            if (says != gives)
                throw new InvalidDataException($"gzip header CRC16 mismatch: the header says {says:X4}, its bytes give {gives:X4} (file corrupt).");
        }
        return file.Position;

        void ReadField(Span<byte> into, string field)
        {
            if (file.ReadAtLeast(into, into.Length, throwOnEndOfStream: false) < into.Length)
                throw new InvalidDataException($"gzip header truncated: the file ends after {file.Position - start} bytes, inside {field} (file truncated?).");
            crc = Crc32.Append(crc, into);
        }

        void SkipZeroTerminated(Span<byte> one, string field)
        {
            do ReadField(one, field); while (one[0] != 0);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _inflater.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The deflate body as DeflateStream's input: the file from its position on, in the chunks asked for
    /// before <see cref="SingleFrom"/> and one byte a read from there. See Note [Where a Deflate Body Ends].</summary>
    private sealed class Feed(Stream file, long singleFrom) : ForwardReadStream
    {
        public long SingleFrom { get; } = singleFrom;
        public long At { get; private set; } = file.Position;   // the file offset of the next byte to hand out
        public long LastChunkStart { get; private set; }        // where the last read that returned bytes began
        public bool AskedAtEnd { get; private set; }            // asked for more at the end of the file

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            long want = At >= SingleFrom ? 1 : Math.Min(buffer.Length, SingleFrom - At);
            int n = file.Read(buffer[..(int)want]);
            if (n == 0)
            {
                AskedAtEnd = true;
                return 0;
            }
            LastChunkStart = At;
            At += n;
            return n;
        }
    }
}

/// <summary>A stream that is only read, front to back: everything but reading is refused (both streams above).</summary>
internal abstract class ForwardReadStream : Stream
{
    /// <inheritdoc/>
    public override bool CanRead => true;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override bool CanWrite => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override void Flush() { }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
