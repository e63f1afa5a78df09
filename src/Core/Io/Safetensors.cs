using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Functional.Io;

/// <summary>
/// Saves and loads named tensors (a state dict) in the safetensors format: an 8-byte little-endian header length
/// N, N bytes of JSON (<c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}</c>, padded with spaces to a multiple of 8), then the tensors' raw
/// little-endian bytes, row-major. PyTorch: <c>safetensors.torch.save_file</c> / <c>load_file</c>.
/// </summary>
/// <remarks>
/// Note [Safetensors Layout Matches the Python Library]
/// Like the reference implementation (Rust, behind the Python package), the writer orders tensors by dtype,
/// widest-aligned first (I64, then F64, then F32), then by name (UTF-8 byte order), lays their bytes out back to
/// back in that order, writes the JSON compactly with <c>__metadata__</c> first and pads it with spaces to a
/// multiple of 8 bytes. The same state dict therefore gives the same bytes here and in Python.
/// Note [Checkpoints Are Written Atomically]
/// <see cref="Save"/> writes a temporary file in the target's directory, flushes it to disk, then renames it over
/// the target: a crash or an error leaves either the old file or the new one, never half of one. A process killed
/// mid-write leaves its temporary file behind; the next Save to the same target deletes it.
/// Note [Safetensors Headers Are Not Trusted]
/// The loader checks the header length against the file size (and a 100 MB cap, as the Python library does),
/// that the header is UTF-8 JSON describing tensors, that every dtype is known, and that the tensors' byte ranges
/// tile the data section exactly: each starts where the previous one ends, its length is shape product × element
/// size, and the last ends at the end of the file. Only then is memory allocated for the data.
/// </remarks>
public static class Safetensors
{
    /// <summary>The largest header accepted, in bytes (the Python library's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The largest tensor rank a file may declare.</summary>
    public const int MaxRank = 64;

    private const string MetadataKey = "__metadata__";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The reference implementation's dtype enum, in its declared order (sorting is by this order, descending).
    private static readonly string[] KnownDTypes =
        ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16",
         "I32", "U32", "F32", "F64", "I64", "U64", "C64"];

    /// <summary>Testing hook: runs after the temporary file is complete and before it replaces the target.</summary>
    [ThreadStatic] internal static Action<string>? BeforeCommit;

    private sealed record Entry(string Name, DType DType, int[] Shape, long Begin, long End);

    // ---- saving -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Writes <paramref name="tensors"/> (and optional string <paramref name="metadata"/>) to <paramref name="path"/>,
    /// atomically (see Note [Checkpoints Are Written Atomically]). Tensors are written contiguous, whatever their
    /// strides; gradients and requires-grad flags are not saved. PyTorch: <c>safetensors.torch.save_file(tensors, path, metadata)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A name is <c>__metadata__</c> or not valid UTF-16, or a tensor is null.</exception>
    /// <exception cref="IOException">The file could not be written; the previous file, if any, is untouched.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (header, order) = Prepare(tensors, metadata);   // all validation happens before the disk is touched
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        RemoveAbandonedTemps(dir, Path.GetFileName(full));
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteAll(fs, header, order);
                fs.Flush(flushToDisk: true);
            }
            BeforeCommit?.Invoke(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>
    /// Deletes temporary files a killed writer left for this target (<c>.name.*.tmp</c>). A writer that is still running
    /// holds its file open with <see cref="FileShare.None"/> (an exclusive lock on Unix as on Windows), so the open
    /// here fails and its file is left alone. One race remains: a concurrent Save to the same target whose file is
    /// closed but not yet renamed can lose it and throw; the target itself is never damaged.
    /// </summary>
    private static void RemoveAbandonedTemps(string dir, string name)
    {
        IEnumerable<string> stale;
        try { stale = Directory.EnumerateFiles(dir, $".{name}.*.tmp").ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var f in stale)
        {
            var file = Path.GetFileName(f);
            if (file.Length != name.Length + 38) continue;   // "." + name + "." + 32 hex digits + ".tmp": only names Save makes
            if (file.AsSpan(name.Length + 2, 32).ContainsAnyExcept("0123456789abcdef")) continue;
            try
            {
                using (new FileStream(f, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                File.Delete(f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // in use, or already gone
        }
    }

    /// <summary>The bytes <see cref="Save"/> would write (<c>safetensors.torch.save(tensors, metadata)</c>).</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (header, order) = Prepare(tensors, metadata);
        var ms = new MemoryStream();
        WriteAll(ms, header, order);
        return ms.ToArray();
    }

    private static void WriteAll(Stream s, byte[] header, List<(string Name, Tensor Tensor)> order)
    {
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        s.Write(len);
        s.Write(header);
        foreach (var (_, t) in order)
        {
            switch (t.DType)
            {
                case DType.Float32: WriteLittleEndian(s, t.ContiguousSpan<float>()); break;
                case DType.Float64: WriteLittleEndian(s, t.ContiguousSpan<double>()); break;
                default: WriteLittleEndian(s, t.ContiguousSpan<long>()); break;
            }
        }
    }

    private static void WriteLittleEndian<T>(Stream s, ReadOnlySpan<T> values) where T : unmanaged
    {
        const int chunk = 1 << 18;
        T[]? swapped = BitConverter.IsLittleEndian ? null : new T[Math.Min(chunk, values.Length)];
        for (int i = 0; i < values.Length; i += chunk)
        {
            var part = values.Slice(i, Math.Min(chunk, values.Length - i));
            if (swapped is not null)
            {
                part.CopyTo(swapped);
                part = swapped.AsSpan(0, part.Length);
                ReverseEndianness(MemoryMarshal.AsBytes(swapped.AsSpan(0, part.Length)), Marshal.SizeOf<T>());
            }
            s.Write(MemoryMarshal.AsBytes(part));
        }
    }

    private static void ReverseEndianness(Span<byte> bytes, int size)
    {
        if (size == 4) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(bytes), MemoryMarshal.Cast<byte, int>(bytes));
        else BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, long>(bytes), MemoryMarshal.Cast<byte, long>(bytes));
    }

    /// <summary>The padded JSON header and the tensors in file order. See Note [Safetensors Layout Matches the Python Library].</summary>
    private static (byte[] Header, List<(string Name, Tensor Tensor)> Order) Prepare(
        IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var order = new List<(string Name, Tensor Tensor, byte[] Key)>();
        foreach (var (name, t) in tensors)
        {
            if (name == MetadataKey)
                throw new ArgumentException($"'{MetadataKey}' is reserved by the safetensors format and cannot name a tensor.", nameof(tensors));
            if (t is null) throw new ArgumentException($"The tensor named '{name}' is null.", nameof(tensors));
            if (t.Device.Type != DeviceType.Cpu) throw new NotSupportedException($"'{name}' ({t.Describe()}) is on {t.Device}; move it with Cpu() first.");
            order.Add((name, t, Utf8(name, "tensor name")));
        }
        order.Sort((a, b) =>
        {
            int byDType = DTypeRank(b.Tensor.DType).CompareTo(DTypeRank(a.Tensor.DType));
            return byDType != 0 ? byDType : a.Key.AsSpan().SequenceCompareTo(b.Key);
        });

        var json = new StringBuilder("{");
        bool first = true;
        if (metadata is not null)
        {
            json.Append("\"" + MetadataKey + "\":{");
            var meta = metadata.Select(kv => (kv.Key, Bytes: Utf8(kv.Key, "metadata key"),
                                              Value: kv.Value ?? throw new ArgumentException($"Metadata value for '{kv.Key}' is null.", nameof(metadata))))
                               .ToList();
            meta.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
            for (int i = 0; i < meta.Count; i++)
            {
                Utf8(meta[i].Value, "metadata value");
                if (i > 0) json.Append(',');
                AppendString(json, meta[i].Key);
                json.Append(':');
                AppendString(json, meta[i].Value);
            }
            json.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var (name, t, _) in order)
        {
            long bytes = (long)t.NumElements * ElementSize(t.DType);
            if (!first) json.Append(',');
            first = false;
            AppendString(json, name);
            json.Append(":{\"dtype\":\"").Append(DTypeName(t.DType)).Append("\",\"shape\":[")
                .Append(string.Join(",", t.Shape.ToArray())).Append("],\"data_offsets\":[")
                .Append(offset).Append(',').Append(offset + bytes).Append("]}");
            offset += bytes;
        }
        json.Append('}');
        while (Encoding.UTF8.GetByteCount(json.ToString()) % 8 != 0) json.Append(' ');
        return (Encoding.UTF8.GetBytes(json.ToString()), order.Select(o => (o.Name, o.Tensor)).ToList());
    }

    private static byte[] Utf8(string s, string what)
    {
        try { return StrictUtf8.GetBytes(s); }
        catch (EncoderFallbackException e) { throw new ArgumentException($"The {what} '{s}' is not valid UTF-16 (a lone surrogate) and cannot be written as UTF-8.", e); }
    }

    /// <summary>A JSON string as serde_json writes it: only '"', '\' and control characters are escaped.</summary>
    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append(((int)c).ToString("x2"));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    private static string DTypeName(DType d) => d switch { DType.Float32 => "F32", DType.Float64 => "F64", _ => "I64" };
    private static int DTypeRank(DType d) => Array.IndexOf(KnownDTypes, DTypeName(d));
    private static int ElementSize(DType d) => d == DType.Float32 ? 4 : 8;

    // ---- loading ----------------------------------------------------------------------------------------------

    /// <summary>Reads every tensor in <paramref name="path"/> (<c>safetensors.torch.load_file(path)</c>): fresh
    /// contiguous leaves that do not require grad, keyed by name. See Note [Safetensors Headers Are Not Trusted].</summary>
    /// <exception cref="SafetensorsFormatException">The file is malformed; the message names the file and the problem.</exception>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads every tensor in <paramref name="path"/> and the header's <c>__metadata__</c> (empty when absent).</summary>
    /// <exception cref="SafetensorsFormatException">The file is malformed; the message names the file and the problem.</exception>
    public static Dictionary<string, Tensor> Load(string path, out Dictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        long fileLength = fs.Length;
        Span<byte> lenBytes = stackalloc byte[8];
        int got = fs.ReadAtLeast(lenBytes, 8, throwOnEndOfStream: false);
        var headerLength = CheckHeaderLength(path, got, lenBytes, fileLength);
        var header = new byte[headerLength];
        fs.ReadExactly(header);
        var entries = ParseHeader(path, header, fileLength - 8 - headerLength, out metadata);
        var result = new Dictionary<string, Tensor>(entries.Count);
        foreach (var e in entries)
        {
            try { result[e.Name] = ReadTensor(e, span => fs.ReadExactly(span)); }
            catch (EndOfStreamException ex) { throw new SafetensorsFormatException(path, $"the file ended while reading tensor '{e.Name}' (it shrank while being read?).", ex); }
        }
        return result;
    }

    /// <summary>Reads the tensors from the bytes of a safetensors file (<c>safetensors.torch.load(bytes)</c>).</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">What to call the buffer in error messages.</param>
    /// <exception cref="SafetensorsFormatException">The bytes are malformed.</exception>
    public static Dictionary<string, Tensor> Deserialize(ReadOnlySpan<byte> bytes, string sourceName = "<bytes>") =>
        Deserialize(bytes, out _, sourceName);

    /// <summary>Reads the tensors and the <c>__metadata__</c> from the bytes of a safetensors file.</summary>
    /// <exception cref="SafetensorsFormatException">The bytes are malformed.</exception>
    public static Dictionary<string, Tensor> Deserialize(ReadOnlySpan<byte> bytes, out Dictionary<string, string> metadata, string sourceName = "<bytes>")
    {
        int got = Math.Min(8, bytes.Length);
        var headerLength = (int)CheckHeaderLength(sourceName, got, bytes[..got], bytes.Length);
        var entries = ParseHeader(sourceName, bytes.Slice(8, headerLength), bytes.Length - 8 - headerLength, out metadata);
        var data = bytes[(8 + headerLength)..];
        var result = new Dictionary<string, Tensor>(entries.Count);
        foreach (var e in entries)
        {
            var slice = data[(int)e.Begin..(int)e.End];
            result[e.Name] = e.DType switch
            {
                DType.Float32 => FromBytes<float>(slice, e.Shape),
                DType.Float64 => FromBytes<double>(slice, e.Shape),
                _ => FromBytes<long>(slice, e.Shape),
            };
        }
        return result;
    }

    private static Tensor FromBytes<T>(ReadOnlySpan<byte> bytes, int[] shape) where T : unmanaged
    {
        var arr = new T[Shape.Product(shape)];
        bytes.CopyTo(MemoryMarshal.AsBytes(arr.AsSpan()));
        if (!BitConverter.IsLittleEndian) ReverseEndianness(MemoryMarshal.AsBytes(arr.AsSpan()), Marshal.SizeOf<T>());
        return Tensor.FromHost(arr, shape);
    }

    private delegate void ReadExactly(Span<byte> destination);

    private static Tensor ReadTensor(Entry e, ReadExactly read) => e.DType switch
    {
        DType.Float32 => ReadArray<float>(e.Shape, read),
        DType.Float64 => ReadArray<double>(e.Shape, read),
        _ => ReadArray<long>(e.Shape, read),
    };

    private static Tensor ReadArray<T>(int[] shape, ReadExactly read) where T : unmanaged
    {
        var arr = new T[Shape.Product(shape)];
        const int chunk = 1 << 18;
        for (int i = 0; i < arr.Length; i += chunk)
        {
            var bytes = MemoryMarshal.AsBytes(arr.AsSpan(i, Math.Min(chunk, arr.Length - i)));
            read(bytes);
            if (!BitConverter.IsLittleEndian) ReverseEndianness(bytes, Marshal.SizeOf<T>());
        }
        return Tensor.FromHost(arr, shape);
    }

    private static long CheckHeaderLength(string source, int got, ReadOnlySpan<byte> lenBytes, long fileLength)
    {
        if (got < 8)
            throw new SafetensorsFormatException(source, $"truncated header: the file has {fileLength} bytes, fewer than the 8-byte header length field.");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n > MaxHeaderLength)
            throw new SafetensorsFormatException(source,
                $"header length {n} is larger than the {MaxHeaderLength}-byte limit; the file is corrupt or not safetensors (it should start with an 8-byte little-endian header length).");
        if ((long)n > fileLength - 8)
            throw new SafetensorsFormatException(source,
                $"header length {n} is larger than the {fileLength - 8} bytes that follow the length field; the file is truncated or not safetensors.");
        if (n < 2)
            throw new SafetensorsFormatException(source, $"header length {n} is too small to hold a JSON object.");
        return (long)n;
    }

    private static List<Entry> ParseHeader(string source, ReadOnlySpan<byte> header, long dataLength, out Dictionary<string, string> metadata)
    {
        SafetensorsFormatException Bad(string problem, Exception? inner = null) => new(source, problem, inner);

        if (!System.Text.Unicode.Utf8.IsValid(header)) throw Bad("the header is not valid UTF-8.");
        if (header[0] != (byte)'{') throw Bad($"the header does not start with '{{' (first byte 0x{header[0]:X2}); the file is corrupt or not safetensors.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray(), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw Bad($"the header is not well-formed JSON: {e.Message}", e); }

        var meta = new Dictionary<string, string>();
        metadata = meta;
        var entries = new List<Entry>();
        var seen = new HashSet<string>();
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("the header is not a JSON object.");
            try { ReadEntries(); }
            catch (InvalidOperationException e)   // a name or value escapes half a surrogate pair (e.g. "\ud800"): not text
            {
                throw Bad($"the header holds a string that is not valid UTF-16 ({e.Message}).", e);
            }
        }
        void ReadEntries()
        {
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                string name = prop.Name;
                if (!seen.Add(name)) throw Bad($"the header names '{name}' twice.");
                var v = prop.Value;
                if (name == MetadataKey)
                {
                    if (v.ValueKind != JsonValueKind.Object) throw Bad($"'{MetadataKey}' must be an object of strings, got {v.ValueKind}.");
                    foreach (var m in v.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw Bad($"'{MetadataKey}' value for '{m.Name}' must be a string, got {m.Value.ValueKind}.");
                        if (!meta.TryAdd(m.Name, m.Value.GetString()!)) throw Bad($"'{MetadataKey}' names '{m.Name}' twice.");
                    }
                    continue;
                }
                entries.Add(ParseEntry(name, v, Bad));
            }
        }

        // The byte ranges must tile [0, dataLength) exactly, in offset order.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expect = 0;
        Entry? previous = null;
        foreach (var e in entries)
        {
            string offsets = $"data_offsets [{e.Begin}, {e.End}]";
            if (e.End < e.Begin) throw Bad($"tensor '{e.Name}' has {offsets}: the end is before the beginning.");
            if (e.Begin < expect)
                throw Bad($"tensor '{e.Name}' ({offsets}) overlaps tensor '{previous!.Name}' (data_offsets [{previous.Begin}, {previous.End}]).");
            if (e.Begin > expect)
                throw Bad($"tensor '{e.Name}' starts at byte {e.Begin} but the previous tensor ends at {expect}: bytes [{expect}, {e.Begin}) belong to no tensor.");
            if (e.End > dataLength)
                throw Bad($"truncated data: tensor '{e.Name}' has {offsets}, but only {dataLength} bytes of data follow the header.");
            long need = (long)Shape.Product(e.Shape) * ElementSize(e.DType);
            if (e.End - e.Begin != need)
                throw Bad($"tensor '{e.Name}' has {offsets} ({e.End - e.Begin} bytes), but {DTypeName(e.DType)} of shape {Shape.Format(e.Shape)} takes {need} bytes.");
            expect = e.End;
            previous = e;
        }
        if (expect != dataLength)
            throw Bad($"{dataLength - expect} trailing bytes: the tensors' data ends at byte {expect} of the data section, but {dataLength} bytes follow the header.");
        return entries;
    }

    private static Entry ParseEntry(string name, JsonElement v, Func<string, Exception?, SafetensorsFormatException> bad)
    {
        SafetensorsFormatException Bad(string problem) => bad($"tensor '{name}': {problem}", null);
        if (v.ValueKind != JsonValueKind.Object) throw Bad($"expected an object with dtype, shape and data_offsets, got {v.ValueKind}.");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad("missing the string \"dtype\".");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw Bad("missing the array \"shape\".");
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad("missing \"data_offsets\": [begin, end].");

        string dtypeName = dt.GetString()!;
        DType dtype = dtypeName switch
        {
            "F32" => DType.Float32,
            "F64" => DType.Float64,
            "I64" => DType.Int64,
            _ when KnownDTypes.Contains(dtypeName) => throw Bad($"dtype {dtypeName} is valid safetensors but not supported here; Functional loads F32, F64 and I64 (convert the checkpoint in Python first)."),
            _ => throw Bad($"unknown dtype \"{dtypeName}\"; known: {string.Join(", ", KnownDTypes)}."),
        };

        if (sh.GetArrayLength() > MaxRank)
            throw Bad($"shape has {sh.GetArrayLength()} dimensions; at most {MaxRank} are accepted.");
        var shape = new int[sh.GetArrayLength()];
        long elements = 1;
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw Bad($"shape {sh.GetRawText()} must hold non-negative integers.");
            if (size > int.MaxValue) throw Bad($"dimension {k} of shape {sh.GetRawText()} is larger than {int.MaxValue}.");
            shape[k++] = (int)size;
            elements = elements == 0 || size == 0 ? 0 : elements > int.MaxValue ? elements : elements * size;
        }
        if (elements > int.MaxValue) throw Bad($"shape {sh.GetRawText()} has more than {int.MaxValue} elements, more than a tensor can hold.");

        var bounds = new long[2];
        k = 0;
        foreach (var o in off.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long b) || b < 0)
                throw Bad($"data_offsets {off.GetRawText()} must be two non-negative integers.");
            bounds[k++] = b;
        }
        return new Entry(name, dtype, shape, bounds[0], bounds[1]);
    }

    // ---- loading into existing tensors -------------------------------------------------------------------------

    /// <summary>
    /// Loads <paramref name="path"/> into the tensors of <paramref name="target"/> (e.g. a module's state dict) in
    /// place, so parameters keep their identity (<c>model.load_state_dict(load_file(path), strict)</c>). See
    /// <see cref="StateDicts.CopyInto"/> for the checks.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The file is malformed.</exception>
    /// <exception cref="StateDictMismatchException">Names, shapes or dtypes differ; nothing was copied.</exception>
    public static StateDictLoadResult LoadInto(IReadOnlyDictionary<string, Tensor> target, string path, bool strict = true) =>
        StateDicts.CopyInto(target, Load(path), strict, sourceName: path);
}
