using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Functional.Io;

namespace Functional.Tests;

/// <summary>
/// Safetensors checkpoints: round trips, byte-for-byte agreement with the reference writer (the upstream crate's
/// own test vectors, and a file written by <c>Reference/safetensors_check.py</c>, an independent struct + json
/// implementation of the spec), every malformed-file case, atomic saves, and loading into existing tensors.
/// </summary>
public sealed class IoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("functional-io-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    // ---- round trips --------------------------------------------------------------------------------------------

    [Fact]
    public void Save_then_Load_round_trips_every_dtype_and_shape()
    {
        var state = new Dictionary<string, Tensor>
        {
            ["w"] = Tensor.From([1f, -2.5f, float.NaN, float.PositiveInfinity, -0f, 1e-45f], [2, 3], requiresGrad: true),
            ["d"] = Tensor.From([Math.PI, -1e300], [2, 1]),
            ["n"] = Tensor.From([long.MinValue, 0L, long.MaxValue]),
            ["scalar"] = Tensor.Scalar(7f),
            ["empty"] = Tensor.Zeros(0, 4),
            ["t"] = Tensor.From([1f, 2f, 3f, 4f, 5f, 6f], [2, 3]).T,   // non-contiguous: written row-major as [3, 2]
        };
        var path = PathOf("model.safetensors");
        Safetensors.Save(state, path, new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" });
        var loaded = Safetensors.Load(path, out var metadata);

        Assert.Equal(state.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in state)
        {
            var l = loaded[name];
            Assert.Equal(t.Shape, l.Shape);
            Assert.Equal(t.DType, l.DType);
            Assert.False(l.RequiresGrad);
            Assert.True(l.IsLeaf && l.IsContiguous);
        }
        Assert.Equal(state["w"].ToArray(), loaded["w"].ToArray());              // NaN, inf, -0 and denormals survive
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(loaded["w"].ToArray()[4]));
        Assert.Equal(state["d"].ToDoubleArray(), loaded["d"].ToDoubleArray());
        Assert.Equal(state["n"].ToInt64Array(), loaded["n"].ToInt64Array());
        Assert.Equal(7f, loaded["scalar"].Item());
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], loaded["t"].ToArray());
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3" }, metadata);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        Assert.Equal(Safetensors.Serialize(state), Safetensors.Serialize(loaded));
    }

    [Fact]
    public void Serialize_and_Deserialize_work_in_memory_and_without_metadata()
    {
        var bytes = Safetensors.Serialize(new Dictionary<string, Tensor> { ["x"] = Tensor.From([1f, 2f]) });
        var back = Safetensors.Deserialize(bytes, out var metadata);
        Assert.Equal([1f, 2f], back["x"].ToArray());
        Assert.Empty(metadata);
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32 },
                     Safetensors.Serialize(new Dictionary<string, Tensor>()));
        Assert.Empty(Safetensors.Deserialize(Safetensors.Serialize(new Dictionary<string, Tensor>())));
    }

    // ---- agreement with the reference implementation ----------------------------------------------------------

    [Fact]
    public void Serialize_matches_the_reference_crates_own_test_vectors()
    {
        // huggingface/safetensors, safetensors/src/tensor.rs: test_serialization and test_empty.
        var attn = new Dictionary<string, Tensor> { ["attn.0"] = Tensor.From([0f, 1f, 2f, 3f, 4f, 5f], [1, 2, 3]) };
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(expected, Safetensors.Serialize(attn));
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], Safetensors.Deserialize(expected)["attn.0"].ToArray());

        byte[] emptyWithMetadata =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(emptyWithMetadata, Safetensors.Serialize(new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["framework"] = "pt" }));
    }

    /// <summary>The state dict that <c>Reference/safetensors_check.py write</c> writes.</summary>
    private static Dictionary<string, Tensor> ScriptState() => new()
    {
        ["fc.weight"] = Tensor.From([0.5f, -1.25f, 2.0f, 3.0e-8f, -0.0f, 1.0e20f], [2, 3]),
        ["fc.bias"] = Tensor.From([0.1f, -0.2f]),
        ["bn.running_var"] = Tensor.From([1.0, 2.5, -3.75, 1.0e-300], [2, 2]),
        ["step"] = Tensor.From([42L], []),
        ["bn.num_batches_tracked"] = Tensor.From([-9007199254740993L]),
        ["empty"] = Tensor.Zeros(0, 3),
    };

    private static readonly Dictionary<string, string> ScriptMetadata = new() { ["format"] = "pt", ["note"] = "a \"quoted\"\tvalue" };

    /// <summary><c>safetensors_check.py write</c>'s output (536 bytes), base64.</summary>
    private const string ScriptFile =
        "wAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCIsIm5vdGUiOiJhIFwicXVvdGVkXCJcdHZhbHVlIn0sImJuLm51bV9iYXRjaGVzX3RyYWNrZWQiOnsiZHR5cGUiOiJJNjQiLCJzaGFwZSI6WzFdLCJkYXRhX29mZnNldHMiOlswLDhdfSwic3RlcCI6eyJkdHlwZSI6Ikk2NCIsInNoYXBlIjpbXSwiZGF0YV9vZmZzZXRzIjpbOCwxNl19LCJibi5ydW5uaW5nX3ZhciI6eyJkdHlwZSI6IkY2NCIsInNoYXBlIjpbMiwyXSwiZGF0YV9vZmZzZXRzIjpbMTYsNDhdfSwiZW1wdHkiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzAsM10sImRhdGFfb2Zmc2V0cyI6WzQ4LDQ4XX0sImZjLmJpYXMiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzJdLCJkYXRhX29mZnNldHMiOls0OCw1Nl19LCJmYy53ZWlnaHQiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsM10sImRhdGFfb2Zmc2V0cyI6WzU2LDgwXX19////////3/8qAAAAAAAAAAAAAAAAAPA/AAAAAAAABEAAAAAAAAAOwFnz+MIfbqUBzczMPc3MTL4AAAA/AACgvwAAAEBZ2QAzAAAAgOx4rWA=";

    /// <summary>What <c>safetensors_check.py read</c> prints for that state dict.</summary>
    private const string ScriptReading =
        """
        bn.num_batches_tracked I64 [1] [-9007199254740993]
        bn.running_var F64 [2,2] [1.0,2.5,-3.75,1e-300]
        empty F32 [0,3] []
        fc.bias F32 [2] [0.10000000149011612,-0.20000000298023224]
        fc.weight F32 [2,3] [0.5,-1.25,2.0,2.999999892949745e-08,-0.0,1.0000000200408773e+20]
        step I64 [] [42]
        __metadata__ {"format":"pt","note":"a \"quoted\"\tvalue"}
        """;

    [Fact]
    public void A_file_written_by_the_independent_python_writer_loads_and_is_what_we_write()
    {
        var bytes = Convert.FromBase64String(ScriptFile);
        var path = PathOf("from-python.safetensors");
        File.WriteAllBytes(path, bytes);
        var loaded = Safetensors.Load(path, out var metadata);
        var expected = ScriptState();
        Assert.Equal(expected.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in expected)
        {
            Assert.Equal(t.Shape, loaded[name].Shape);
            Assert.Equal(t.DType, loaded[name].DType);
        }
        Assert.Equal(expected["fc.weight"].ToArray(), loaded["fc.weight"].ToArray());
        Assert.Equal(expected["bn.running_var"].ToDoubleArray(), loaded["bn.running_var"].ToDoubleArray());
        Assert.Equal([-9007199254740993L], loaded["bn.num_batches_tracked"].ToInt64Array());
        Assert.Equal(0, loaded["step"].Rank);
        Assert.Equal(ScriptMetadata, metadata);

        // Same tensor order (I64, F64, F32, then by name), same JSON, same padding: the same bytes.
        Assert.Equal(bytes, Safetensors.Serialize(expected, ScriptMetadata));
    }

    // ---- malformed files ----------------------------------------------------------------------------------------

    /// <summary>A file: the length field (the JSON's length unless overridden), the JSON, then dataBytes zero bytes.</summary>
    private static byte[] Raw(string json, int dataBytes, ulong? length = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var b = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, length ?? (ulong)header.Length);
        header.CopyTo(b, 8);
        return b;
    }

    private static string T(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    public static IEnumerable<object[]> Malformed()
    {
        object[] Case(string name, byte[] bytes, string expected) => [name, bytes, expected];
        string a = T("a", "F32", "[2]", 0, 8);
        yield return Case("shorter than the length field", [1, 2, 3, 4, 5], "truncated header: the file has 5 bytes, fewer than the 8-byte header length field");
        yield return Case("huge header length", Raw("{}", 0, ulong.MaxValue), "header length 18446744073709551615 is larger than the 100000000-byte limit");
        yield return Case("header longer than the file", Raw("{}", 0, 1000), "header length 1000 is larger than the 2 bytes that follow the length field");
        yield return Case("not JSON", Raw("{not json}", 0), "the header is not well-formed JSON");
        yield return Case("not an object", Raw("[1, 2]  ", 0), "the header does not start with '{'");
        yield return Case("not UTF-8", [.. Raw("{\"\"}", 0)[..9], 0xFF, 0xFE, (byte)'}'], "the header is not valid UTF-8");
        yield return Case("entry not an object", Raw("{\"a\":5}", 0), "tensor 'a': expected an object");
        yield return Case("missing offsets", Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "tensor 'a': missing \"data_offsets\"");
        yield return Case("unknown dtype", Raw("{" + T("a", "F33", "[2]", 0, 8) + "}", 8), "tensor 'a': unknown dtype \"F33\"");
        yield return Case("unsupported dtype", Raw("{" + T("a", "BF16", "[2]", 0, 4) + "}", 4), "dtype BF16 is valid safetensors but not supported");
        yield return Case("negative dimension", Raw("{" + T("a", "F32", "[-2]", 0, 8) + "}", 8), "must hold non-negative integers");
        yield return Case("oversized shape", Raw("{" + T("a", "F32", "[65536,65536,65536]", 0, 8) + "}", 8), "more than 2147483647 elements");
        yield return Case("truncated data", Raw("{" + T("a", "F32", "[2,3]", 0, 24) + "}", 20), "truncated data: tensor 'a' has data_offsets [0, 24], but only 20 bytes of data follow the header");
        yield return Case("offset past the end", Raw("{" + T("a", "F32", "[2]", 0, 8) + "," + T("b", "F32", "[1]", 8, 1L << 40) + "}", 12), "only 12 bytes of data");
        yield return Case("overlap", Raw("{" + a + "," + T("b", "F32", "[2]", 4, 12) + "}", 12), "tensor 'b' (data_offsets [4, 12]) overlaps tensor 'a' (data_offsets [0, 8])");
        yield return Case("gap", Raw("{" + a + "," + T("b", "F32", "[2]", 12, 20) + "}", 20), "bytes [8, 12) belong to no tensor");
        yield return Case("not starting at 0", Raw("{" + T("a", "F32", "[2]", 4, 12) + "}", 12), "bytes [0, 4) belong to no tensor");
        yield return Case("end before begin", Raw("{" + T("a", "F32", "[0]", 8, 0) + "}", 8), "the end is before the beginning");
        yield return Case("length not shape x size", Raw("{" + T("a", "F32", "[3]", 0, 8) + "}", 8), "tensor 'a' has data_offsets [0, 8] (8 bytes), but F32 of shape [3] takes 12 bytes");
        yield return Case("trailing bytes", Raw("{" + a + "}", 12), "4 trailing bytes");
        yield return Case("duplicate name", Raw("{" + a + "," + a + "}", 8), "the header names 'a' twice");
        yield return Case("metadata not strings", Raw("{\"__metadata__\":{\"epoch\":3}}", 0), "'__metadata__' value for 'epoch' must be a string");
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Load_rejects_malformed_files_naming_the_file_and_the_problem(string name, byte[] bytes, string expected)
    {
        var path = PathOf(name.Replace(' ', '_') + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.IsAssignableFrom<FormatException>(e);

        var inMemory = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Deserialize(bytes, "buffer"));
        Assert.Contains(expected, inMemory.Message);
        Assert.Equal("buffer", inMemory.Path);
    }

    [Fact]
    public void A_checkpoint_cut_short_anywhere_is_rejected()
    {
        var full = Safetensors.Serialize(ScriptState(), ScriptMetadata);
        var path = PathOf("cut.safetensors");
        foreach (int length in new[] { 0, 7, 8, 100, full.Length - 80, full.Length - 1 })
        {
            File.WriteAllBytes(path, full[..length]);
            var e = Assert.Throws<SafetensorsFormatException>(() => Safetensors.Load(path));
            Assert.Contains(length < 8 ? "truncated header" : length < 8 + 448 ? "header length 448 is larger" : "truncated data", e.Message);
        }
    }

    // ---- atomic saves -------------------------------------------------------------------------------------------

    [Fact]
    public void A_save_that_fails_before_the_rename_leaves_the_previous_file_intact_and_no_temp_file()
    {
        var path = PathOf("ckpt.safetensors");
        Safetensors.Save(new Dictionary<string, Tensor> { ["w"] = Tensor.From([1f, 2f]) }, path);
        var before = File.ReadAllBytes(path);

        string? temp = null;
        Safetensors.BeforeCommit = t => { temp = t; Assert.True(new FileInfo(t).Length > before.Length); throw new IOException("simulated crash"); };
        try
        {
            var e = Assert.Throws<IOException>(() => Safetensors.Save(new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(1000) }, path));
            Assert.Equal("simulated crash", e.Message);
        }
        finally { Safetensors.BeforeCommit = null; }

        Assert.NotNull(temp);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetDirectoryName(temp));   // same directory: rename is atomic
        Assert.False(File.Exists(temp));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([1f, 2f], Safetensors.Load(path)["w"].ToArray());
        Assert.Equal(["ckpt.safetensors"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_save_whose_rename_fails_leaves_no_partial_file_and_a_successful_one_replaces()
    {
        var blocked = Directory.CreateDirectory(PathOf("blocked.safetensors")).FullName;   // a directory: the move must fail
        Assert.ThrowsAny<IOException>(() => Safetensors.Save(new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(3) }, blocked));
        Assert.Equal(["blocked.safetensors"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));

        var path = PathOf("ckpt.safetensors");
        Safetensors.Save(new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(3) }, path);
        Safetensors.Save(new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(2) }, path);
        Assert.Equal([0f, 0f], Safetensors.Load(path)["w"].ToArray());
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));

        Assert.Throws<ArgumentException>(() => Safetensors.Save(new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones(1) }, path));
        Assert.Equal([0f, 0f], Safetensors.Load(path)["w"].ToArray());   // refused before the disk was touched
    }

    // ---- loading into existing tensors ------------------------------------------------------------------------

    [Fact]
    public void LoadInto_copies_in_place_so_parameters_keep_their_identity()
    {
        var w = Tensor.From([0f, 0f, 0f, 0f], [2, 2], requiresGrad: true);
        var b = Tensor.From([0f, 0f], requiresGrad: true);
        var steps = Tensor.From([0L]);
        var model = new Dictionary<string, Tensor> { ["fc.weight"] = w, ["fc.bias"] = b, ["steps"] = steps };
        var path = PathOf("m.safetensors");
        Safetensors.Save(new Dictionary<string, Tensor>
        {
            ["fc.weight"] = Tensor.From([1f, 2f, 3f, 4f], [2, 2]),
            ["fc.bias"] = Tensor.From([5f, 6f]),
            ["steps"] = Tensor.From([9L]),
        }, path);

        var result = Safetensors.LoadInto(model, path);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Same(w, model["fc.weight"]);
        Assert.Equal([1f, 2f, 3f, 4f], w.ToArray());
        Assert.Equal([5f, 6f], b.ToArray());
        Assert.Equal([9L], steps.ToInt64Array());
        Assert.True(w.RequiresGrad && w.IsLeaf && !w.IsSuperseded);
        (w.Sum() * 2f).Backward();                                        // still a usable parameter
        Assert.Equal([2f, 2f, 2f, 2f], w.Grad!.ToArray());
    }

    [Fact]
    public void LoadInto_lists_every_difference_in_one_message_and_copies_nothing()
    {
        var w = Tensor.Zeros(2, 2);
        var model = new Dictionary<string, Tensor>
        {
            ["fc.weight"] = w, ["fc.bias"] = Tensor.Zeros(2), ["out.weight"] = Tensor.Zeros(3), ["missing.one"] = Tensor.Zeros(1),
        };
        var path = PathOf("bad.safetensors");
        Safetensors.Save(new Dictionary<string, Tensor>
        {
            ["fc.weight"] = Tensor.Ones(2, 2),                            // fine, but must not be copied
            ["fc.bias"] = Tensor.Ones(3),                                 // shape
            ["out.weight"] = Tensor.From([1.0, 2.0, 3.0]),                // dtype
            ["extra"] = Tensor.Ones(1),                                   // unexpected
        }, path);

        var e = Assert.Throws<StateDictMismatchException>(() => Safetensors.LoadInto(model, path));
        Assert.Equal(
            $"Error(s) in loading state_dict from '{path}':\n" +
            "\tMissing key(s) in state_dict: \"missing.one\". \n" +
            "\tUnexpected key(s) in state_dict: \"extra\". \n" +
            "\tsize mismatch for fc.bias: copying a param with shape [3] from checkpoint, the shape in current model is [2].\n" +
            "\tdtype mismatch for out.weight: copying a param of dtype Float64 from checkpoint, the dtype in current model is Float32; convert it with To(DType.Float32) first.\n" +
            "Nothing was copied.", e.Message);
        Assert.Equal(["missing.one"], e.MissingKeys);
        Assert.Equal(["extra"], e.UnexpectedKeys);
        Assert.Equal(2, e.Mismatches.Count);
        Assert.Equal(["fc.bias", "out.weight"], e.MismatchedKeys);
        Assert.Equal([0f, 0f, 0f, 0f], w.ToArray());

        // Not strict: names may differ (and are reported), shapes and dtypes still may not.
        var source = new Dictionary<string, Tensor> { ["fc.weight"] = Tensor.Ones(2, 2), ["extra"] = Tensor.Ones(1) };
        var result = StateDicts.CopyInto(model, source, strict: false);
        Assert.Equal(["fc.bias", "out.weight", "missing.one"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        Assert.Equal([1f, 1f, 1f, 1f], w.ToArray());
        Assert.Throws<StateDictMismatchException>(() => StateDicts.CopyInto(model, new Dictionary<string, Tensor> { ["fc.bias"] = Tensor.Ones(3) }, strict: false));
    }
}
