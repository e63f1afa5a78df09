using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Functional.Data;
using Functional.Io;

namespace Functional.Tests;

/// <summary>
/// The IDX and safetensors readers under FsCheck-generated random and mutated bytes (issue 6). Every case must end in
/// a correct result or the reader's own format exception (<see cref="IdxFormatException"/>,
/// <see cref="SafetensorsFormatException"/>): never another exception, a hang (each case runs under a time limit) or
/// an allocation out of proportion to the input.
/// <para>"Correct" is judged independently of the reader: for IDX by a few-line reference parser in this file (the
/// format is a header and exact data; gzip is undone with GZipStream first, which must reach the end of the member,
/// and the file's last 8 bytes must be the CRC32 and length of all it gave); for safetensors by reading the header
/// with System.Text.Json here and checking every returned tensor against the bytes its data_offsets name, and, when
/// the bytes are the unmutated file, against the state dict that was written.</para>
/// <para>Allocation bound (GC.GetAllocatedBytesForCurrentThread around the parse): IDX ≤ 4 × max(file length, length
/// after gunzip) + 256 KiB (the file buffer, gzip's buffer, the message); safetensors ≤ 16 × file length + 256 KiB
/// (the header copy and its JsonDocument index, about 12 bytes per JSON token, plus the tensors).</para>
/// Case counts: <c>FUNCTIONAL_FUZZ_SCALE</c> multiplies them (default 1: 3,000 + 8,000 IDX, 3,000 + 6,000 safetensors).
/// </summary>
public class ParserFuzzTests
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(10);
    private const long AllocSlack = 256 * 1024;

    private static int Cases(int n) =>
        (int)(n * (double.TryParse(Environment.GetEnvironmentVariable("FUNCTIONAL_FUZZ_SCALE"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 1));

    private static void Check<T>(Gen<T> gen, int cases, Action<T> property) =>
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), Prop.ForAll(Arb.From(gen), property));

    /// <summary>Runs <paramref name="parse"/> on a thread of its own under <see cref="CaseLimit"/>; returns the result or
    /// the exception, and the bytes that thread allocated.</summary>
    private static (T? Result, Exception? Error, long Allocated) Guarded<T>(Func<T> parse, string what) where T : class
    {
        T? result = null; Exception? error = null; long allocated = 0;
        var t = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { result = parse(); }
            catch (Exception e) { error = e; }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, 16 << 20);
        t.Start();
        if (!t.Join(CaseLimit)) Assert.Fail($"{what}: no answer within {CaseLimit.TotalSeconds} s (a hang).");
        return (result, error, allocated);
    }

    private static Gen<byte> AnyByte => Gen.Choose(0, 255).Select(i => (byte)i);

    private static byte[] Gzip(byte[] b)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(b);
        return ms.ToArray();
    }

    /// <summary>A mutation: what to do, where (taken modulo the length), a byte and a "big" number.</summary>
    public sealed record Mutation(int Kind, int Pos, byte Value, long Big);

    private static readonly long[] BigValues =
        [0, 1, 2, 3, 7, 255, 256, 65_535, 65_536, 1 << 20, 1 << 24, 1 << 30, int.MaxValue, 1L << 31, uint.MaxValue, -1, -8, long.MaxValue, 1L << 40];

    private static Gen<Mutation> MutationGen(int kinds) =>
        from kind in Gen.Choose(0, kinds - 1)
        from pos in Gen.Choose(0, int.MaxValue)
        from value in AnyByte
        from big in Gen.Elements(BigValues)
        select new Mutation(kind, pos, value, big);

    // ================================================================= IDX ==================================

    private static readonly byte[] IdxTypes = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E];

    private static int IdxSize(byte type) => type switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, _ => 8 };

    /// <summary>A well-formed IDX file of random type, rank 1-3, small sizes and random data.</summary>
    private static Gen<byte[]> ValidIdx =>
        from type in Gen.Elements(IdxTypes)
        from dims in Gen.Choose(1, 3).SelectMany(r => Gen.ArrayOf(Gen.Choose(0, 6), r))
        from data in Gen.ArrayOf(AnyByte, dims.Aggregate(1, (a, d) => a * d) * IdxSize(type))
        select IdxBytes(type, dims, data);

    private static byte[] IdxBytes(byte type, int[] dims, byte[] data)
    {
        var b = new byte[4 + 4 * dims.Length + data.Length];
        b[2] = type; b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(b, 4 + 4 * dims.Length);
        return b;
    }

    private sealed record IdxRef(byte Type, int[] Dims, byte[] Data);

    private static readonly byte[] Sentinel = "end of the reference's sentinel gzip member"u8.ToArray();
    private static readonly byte[] SentinelMember = Gzip(Sentinel);

    /// <summary>The reference reader: what a well-formed file holds, or null for a malformed one (the reader must throw).</summary>
    private static IdxRef? ReferenceIdx(byte[] b)
    {
        if (b.Length >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        {
            // GZipStream checks the header, the deflate data and, when it is there, the trailer; but it returns what it
            // has when the input ends (inside the deflate data or the trailer) and ignores stray bytes after a member.
            // So a sentinel member is appended: GZipStream reaches it only if the file's member ended with its trailer.
            // An IDX .gz file is one member that ends the file, so its last 8 bytes must also be the CRC32 and length of
            // all the output (with stray bytes or a second member after the first, they are not, but by chance).
            byte[] output;
            try
            {
                var ms = new MemoryStream();
                using (var gz = new GZipStream(new MemoryStream([.. b, .. SentinelMember]), CompressionMode.Decompress)) gz.CopyTo(ms);
                output = ms.ToArray();
            }
            catch (InvalidDataException) { return null; }
            if (!output.AsSpan().EndsWith(Sentinel)) return null;
            output = output[..^Sentinel.Length];
            if (b.Length < 18 || BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(b.Length - 8)) != DataTests.Crc32(output)
                || BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(b.Length - 4)) != (uint)output.Length)
                return null;
            b = output;
        }
        if (b.Length < 4 || b[0] != 0 || b[1] != 0 || Array.IndexOf(IdxTypes, b[2]) < 0 || b[3] is 0 or > 8) return null;
        int rank = b[3], header = 4 + 4 * rank;
        if (b.Length < header) return null;
        var dims = new int[rank];
        BigInteger count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(4 + 4 * i));
            if (d > int.MaxValue) return null;
            dims[i] = (int)d;
            count *= d;
        }
        if (count > int.MaxValue || count * IdxSize(b[2]) != b.Length - header) return null;
        return new IdxRef(b[2], dims, b[header..]);
    }

    private static long GunzippedLength(byte[] b)
    {
        if (b.Length < 2 || b[0] != 0x1f || b[1] != 0x8b) return 0;
        long n = 0;
        var buf = new byte[8192];
        try
        {
            using var gz = new GZipStream(new MemoryStream(b), CompressionMode.Decompress);
            int k;
            while ((k = gz.Read(buf)) > 0) n += k;
        }
        catch (InvalidDataException) { }
        return n;
    }

    private static byte[] MutateIdx(byte[] b, Mutation m)
    {
        var r = b.ToList();
        int at(int extra = 0) => r.Count + extra == 0 ? 0 : m.Pos % (r.Count + extra);
        switch (m.Kind)
        {
            case 0: if (r.Count > 0) { int i = at(); r[i] ^= (byte)(1 << (m.Value % 8)); } break;        // bit flip
            case 1: r.RemoveRange(at(1), r.Count - at(1)); break;                                         // truncate
            case 2: r.AddRange(Enumerable.Repeat(m.Value, 1 + m.Pos % 8)); break;                         // trailing bytes
            case 3:                                                                                      // a header dimension
            {
                int off = 4 + 4 * (m.Value % 3);
                if (r.Count >= off + 4)
                    for (int k = 0; k < 4; k++) r[off + k] = (byte)((ulong)m.Big >> (24 - 8 * k));
                break;
            }
            case 4: if (r.Count > 2) r[2] = m.Value; break;                                              // element type
            case 5: if (r.Count > 3) r[3] = (byte)(m.Value % 10); break;                                  // rank
            case 6: return Gzip([.. r]);                                                                  // gzip wrap
            case 7: r.Insert(at(1), m.Value); break;                                                      // inserted byte
            default: if (r.Count > 0) r[at()] = m.Value; break;                                           // overwritten byte
        }
        return [.. r];
    }

    private static bool CheckIdx(byte[] bytes, string path)
    {
        File.WriteAllBytes(path, bytes);
        var (result, error, allocated) = Guarded(() => Idx.ReadRaw(path), $"IDX {Convert.ToHexString(bytes.AsSpan(0, Math.Min(64, bytes.Length)))}");
        var expected = ReferenceIdx(bytes);
        string show = Convert.ToHexString(bytes.AsSpan(0, Math.Min(48, bytes.Length))) + (bytes.Length > 48 ? "..." : "") + $" ({bytes.Length} bytes)";
        if (error is not null && error is not IdxFormatException)
            Assert.Fail($"IDX {show}: {error.GetType().Name} instead of IdxFormatException: {error}");
        if (expected is null)
            Assert.True(error is not null, $"IDX {show}: malformed, but the reader returned shape {result?.Shape}.");
        else
        {
            Assert.True(error is null, $"IDX {show}: well-formed, but the reader threw {error?.Message}");
            Assert.Equal((IdxElementType)expected.Type, result!.ElementType);
            Assert.Equal(expected.Dims, result.Shape.ToArray());
            Assert.True(expected.Data.AsSpan().SequenceEqual(result.RawData.Span), $"IDX {show}: data differs.");
            _ = result.ToTensor();   // converts without error
        }
        long bound = 4 * Math.Max(bytes.Length, GunzippedLength(bytes)) + AllocSlack;
        s_maxAllocated = Math.Max(s_maxAllocated, allocated);
        Assert.True(allocated <= bound, $"IDX {show}: the reader allocated {allocated} bytes, over the bound {bound}.");
        return error is null;
    }

    /// <summary>Runs the property and prints how many cases parsed (the rest threw the format exception).</summary>
    [ThreadStatic] private static long s_maxAllocated;

    private static void Run<T>(string name, Gen<T> gen, int cases, Func<T, bool> parsed)
    {
        int ok = 0, all = 0;
        s_maxAllocated = 0;
        Check(gen, cases, x => { all++; if (parsed(x)) ok++; });
        Console.WriteLine($"{name}: {all} cases, {ok} parsed, {all - ok} refused with the format exception; most allocated by one parse: {s_maxAllocated} bytes");
        Assert.Equal(cases, all);
    }

    private static string TempFile() => Path.Combine(Directory.CreateTempSubdirectory("functional-fuzz-").FullName, "case");

    [Fact]
    public void Idx_random_bytes_give_a_result_or_IdxFormatException()
    {
        var path = TempFile();
        // Random bytes, half of them behind a plausible magic number (00 00 type rank) so the header checks are reached.
        var gen = from tail in Gen.ArrayOf(AnyByte).Resize(64)
                  from type in Gen.Elements(IdxTypes)
                  from rank in Gen.Choose(0, 9)
                  from plausible in Gen.Elements(true, false)
                  select plausible ? [0, 0, type, (byte)rank, .. tail] : tail;
        try { Run("IDX random", gen, Cases(3000), b => CheckIdx(b, path)); }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    [Fact]
    public void Idx_mutated_files_give_the_same_result_or_IdxFormatException()
    {
        var path = TempFile();
        var gen = from valid in ValidIdx
                  from gz in Gen.Elements(false, false, true)
                  from muts in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(MutationGen(9), n))
                  select muts.Aggregate(gz ? Gzip(valid) : valid, MutateIdx);
        try { Run("IDX mutated", gen, Cases(8000), b => CheckIdx(b, path)); }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    [Fact]
    public void A_small_gzip_file_claiming_a_large_size_allocates_only_what_arrives()
    {
        // 1,000 bytes of gzip claiming 1,000,000 bytes (under deflate's 1,100:1 limit, so not refused at once) with
        // 100 bytes of data: the reader must not allocate the claimed size up front (before the fix: a 1 MiB first chunk).
        var path = TempFile();
        try
        {
            var rng = new Random(1);
            var noise = new byte[900]; rng.NextBytes(noise);
            var body = IdxBytes(0x08, [1_000_000], new byte[100]);
            var file = Gzip(body).Concat(Gzip(noise)).ToArray();   // two gzip members: 1000 + ~900 compressed bytes
            File.WriteAllBytes(path, file);
            var (_, error, allocated) = Guarded(() => Idx.ReadRaw(path), "gzip claim");
            Assert.IsType<IdxFormatException>(error);
            Assert.InRange(allocated, 0, 4 * 1100 + AllocSlack);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    // ============================================================ safetensors ===============================

    private static readonly string[] DTypeNames = ["F32", "F64", "I64", "F16", "BF16", "I32", "U8", "BOOL", "X9", ""];

    /// <summary>A small state dict (1-3 tensors of F32, F64, I64, rank 0-3) and, sometimes, metadata: the file the library writes.</summary>
    private static Gen<(Dictionary<string, Tensor> Tensors, byte[] Bytes)> ValidSafetensors =>
        from n in Gen.Choose(1, 3)
        from specs in Gen.ArrayOf(
            from dtype in Gen.Choose(0, 2)
            from dims in Gen.Choose(0, 3).SelectMany(r => Gen.ArrayOf(Gen.Choose(0, 4), r))
            from seed in Gen.Choose(0, 1000)
            select (dtype, dims, seed), n)
        from meta in Gen.Elements(false, true)
        select Build(specs, meta);

    private static (Dictionary<string, Tensor>, byte[]) Build((int DType, int[] Dims, int Seed)[] specs, bool meta)
    {
        var d = new Dictionary<string, Tensor>();
        for (int i = 0; i < specs.Length; i++)
        {
            var (dtype, dims, seed) = specs[i];
            var rng = new Random(seed);
            int count = dims.Aggregate(1, (a, x) => a * x);
            d[$"t{i}.w"] = dtype switch
            {
                0 => Tensor.From(Enumerable.Range(0, count).Select(_ => (float)rng.NextDouble()).ToArray(), dims),
                1 => Tensor.From(Enumerable.Range(0, count).Select(_ => rng.NextDouble()).ToArray(), dims),
                _ => Tensor.From(Enumerable.Range(0, count).Select(_ => rng.NextInt64()).ToArray(), dims),
            };
        }
        var bytes = Safetensors.Serialize(d, meta ? new Dictionary<string, string> { ["format"] = "pt" } : null);
        return (d, bytes);
    }

    private static readonly string[] JsonSnippets =
        ["-1", "2147483648", "1e30", "1.5", "\"x\"", "null", "[]", "{}", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "\"\\ud800\"",
         "18446744073709551616", "0", "true", "[1,2]", "[2,1]", "[0,0]", "\"__metadata__\"", "{\"dtype\":\"F32\"}"];

    /// <summary>Edits the JSON header as text (the length field follows it), or the bytes around it.</summary>
    private static byte[] MutateSafetensors(byte[] b, Mutation m)
    {
        if (m.Kind >= 5 || b.Length < 8) return MutateIdx(b, m with { Kind = m.Kind >= 5 ? m.Kind - 5 : m.Kind });   // byte-level
        long len = (long)BinaryPrimitives.ReadUInt64LittleEndian(b);
        if (len < 0 || len > b.Length - 8) return b;
        string json = Encoding.UTF8.GetString(b, 8, (int)len);
        var data = b[(8 + (int)len)..];
        var rng = new Random(m.Pos);
        switch (m.Kind)
        {
            case 0:   // the header length field
                var nb = (byte[])b.Clone();
                long v = m.Value % 3 == 0 ? m.Big : len + (m.Value % 17) - 8;
                BinaryPrimitives.WriteInt64LittleEndian(nb, v);
                return nb;
            case 1:   // a dtype name
                json = Regex(json, "\"dtype\":\"[A-Z0-9]*\"", $"\"dtype\":\"{DTypeNames[m.Value % DTypeNames.Length]}\"", rng);
                break;
            case 2:   // a number (shape entry or offset) replaced by an interesting value or snippet
                json = Regex(json, "-?[0-9]+", m.Value % 2 == 0 ? m.Big.ToString() : JsonSnippets[m.Value % JsonSnippets.Length], rng);
                break;
            case 3:   // a value replaced by a snippet, or a key renamed / duplicated
                json = (m.Value % 3) switch
                {
                    0 => Regex(json, "\\[[^\\[\\]]*\\]", JsonSnippets[m.Pos % JsonSnippets.Length], rng),
                    1 => Regex(json, "\"t[0-9]\\.w\"", JsonSnippets[m.Pos % JsonSnippets.Length], rng),
                    _ => Regex(json, "\"(dtype|shape|data_offsets)\"", "\"" + new[] { "dtype", "shape", "data_offsets", "__metadata__", "\\u0000" }[m.Pos % 5] + "\"", rng),
                };
                break;
            default:  // a character of the header replaced
                var chars = json.ToCharArray();
                if (chars.Length > 0) chars[m.Pos % chars.Length] = "{}[],:\"0 \\x"[m.Value % 11];
                json = new string(chars);
                break;
        }
        var header = Encoding.UTF8.GetBytes(json);
        var result = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(result, header.Length);
        header.CopyTo(result, 8);
        data.CopyTo(result, 8 + header.Length);
        return result;
    }

    private static string Regex(string s, string pattern, string replacement, Random rng)
    {
        var ms = System.Text.RegularExpressions.Regex.Matches(s, pattern);
        if (ms.Count == 0) return s;
        var m = ms[rng.Next(ms.Count)];
        return s[..m.Index] + replacement + s[(m.Index + m.Length)..];
    }

    /// <summary>Checks a returned state dict against the bytes: every non-metadata header key is returned, with the dtype,
    /// shape and the data its data_offsets name (read here with System.Text.Json and BinaryPrimitives).</summary>
    private static void CheckAgainstBytes(byte[] bytes, Dictionary<string, Tensor> got, string show)
    {
        long len = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)len));
        var data = bytes.AsSpan(8 + (int)len);
        var names = doc.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToList();
        Assert.Equal(names.Select(p => p.Name).Order(StringComparer.Ordinal), got.Keys.Order(StringComparer.Ordinal));
        long total = 0;
        foreach (var p in names)
        {
            var t = got[p.Name];
            var dtype = p.Value.GetProperty("dtype").GetString();
            Assert.Equal(dtype, t.DType switch { DType.Float32 => "F32", DType.Float64 => "F64", _ => "I64" });
            Assert.Equal(p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), t.Shape.ToArray());
            var off = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var slice = data[(int)off[0]..(int)off[1]];
            byte[] actual = t.DType switch
            {
                DType.Float32 => MemoryMarshal.AsBytes(t.ToArray().AsSpan()).ToArray(),
                DType.Float64 => MemoryMarshal.AsBytes(t.ToDoubleArray().AsSpan()).ToArray(),
                _ => MemoryMarshal.AsBytes(t.ToInt64Array().AsSpan()).ToArray(),
            };
            Assert.True(slice.SequenceEqual(actual), $"safetensors {show}: tensor '{p.Name}' does not hold the bytes of {Shape.Format([(int)off[0], (int)off[1]])}.");
            total += off[1] - off[0];
        }
        Assert.Equal(data.Length, total);   // the tensors tile the data section: no byte unread, none shared
    }

    private static bool CheckSafetensors(byte[] bytes, string path, Dictionary<string, Tensor>? original)
    {
        string show = Encoding.UTF8.GetString(bytes.AsSpan(Math.Min(8, bytes.Length), Math.Min(120, Math.Max(0, bytes.Length - 8)))) + $" ({bytes.Length} bytes)";
        var (fromBytes, e1, alloc1) = Guarded(() => Safetensors.Deserialize(bytes), "Deserialize " + show);
        File.WriteAllBytes(path, bytes);
        var (fromFile, e2, alloc2) = Guarded(() => Safetensors.Load(path), "Load " + show);
        foreach (var e in new[] { e1, e2 })
            if (e is not null && e is not SafetensorsFormatException)
                Assert.Fail($"safetensors {show}: {e.GetType().Name} instead of SafetensorsFormatException: {e}");
        Assert.True((e1 is null) == (e2 is null), $"safetensors {show}: Deserialize {(e1 is null ? "succeeded" : "threw")} but Load {(e2 is null ? "succeeded" : "threw")}.");
        if (e1 is null)
        {
            CheckAgainstBytes(bytes, fromBytes!, show);
            CheckAgainstBytes(bytes, fromFile!, show);
            if (original is not null)
                foreach (var (name, t) in original)
                    Assert.Equal(t.ToDoubleArray(), fromBytes![name].ToDoubleArray());
        }
        else Assert.Null(original);   // the file the library wrote must load
        long bound = 16L * bytes.Length + AllocSlack;
        s_maxAllocated = Math.Max(s_maxAllocated, Math.Max(alloc1, alloc2));
        Assert.True(alloc1 <= bound && alloc2 <= bound, $"safetensors {show}: allocated {alloc1} / {alloc2} bytes, over the bound {bound}.");
        return e1 is null;
    }

    [Fact]
    public void Safetensors_random_bytes_give_a_result_or_SafetensorsFormatException()
    {
        var path = TempFile();
        // Random bytes; two thirds start with a header length that fits the rest, a third of those with random JSON-ish text.
        var jsonish = Gen.ArrayOf(Gen.Elements("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}{}[],:\"0123456789 F32I64shapedtypedata_offsets".ToCharArray())).Resize(80)
                         .Select(cs => Encoding.UTF8.GetBytes(cs));
        var gen = from kind in Gen.Choose(0, 2)
                  from head in kind == 2 ? jsonish : Gen.ArrayOf(AnyByte).Resize(64)
                  from tail in Gen.ArrayOf(AnyByte).Resize(24)
                  select kind == 0 ? head : [.. BitConverter.GetBytes((long)head.Length), .. head, .. tail];
        try { Run("safetensors random", gen, Cases(3000), b => CheckSafetensors(b, path, null)); }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    [Fact]
    public void Safetensors_mutated_files_give_a_consistent_result_or_SafetensorsFormatException()
    {
        var path = TempFile();
        var gen = from valid in ValidSafetensors
                  from muts in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(MutationGen(13), n))
                  select (valid.Tensors, valid.Bytes, Mutated: muts.Aggregate(valid.Bytes, MutateSafetensors));
        try
        {
            Run("safetensors mutated", gen, Cases(6000), c =>
                CheckSafetensors(c.Mutated, path, c.Mutated.AsSpan().SequenceEqual(c.Bytes) ? c.Tensors : null));
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }
}
