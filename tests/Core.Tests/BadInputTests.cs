using System.Reflection;
using Functional.Nn;
using Functional.Optim;
using static Functional.OpCases.Operands;

namespace Functional.Tests;

/// <summary>
/// Bad input never corrupts state (issue 6): a table of failing calls across the ops. Each case asserts the exception
/// type, that the message names the operands (their shapes, dtypes or the op, as listed), and that every tensor the
/// call could touch is unchanged afterwards: values, version counter, requires-grad flag, grad_fn, supersession, and
/// a leaf's Grad accumulator (same object, same values, same version). Expected exception types follow PyTorch's
/// (RuntimeError on shapes and dtypes becomes ShapeMismatchException / DTypeMismatchException, IndexError becomes
/// IndexOutOfRangeException or ArgumentOutOfRangeException for dims). The elementwise ops' cases (dtypes, broadcasting,
/// null operands, their in-place twins' receivers) come from the op table (tests/OpCases/OpTable.cs).
/// </summary>
public class BadInputTests
{
    /// <summary>One failing call: <paramref name="Op"/> is the public member it exercises (see the completeness test).</summary>
    public sealed record Case(string Op, string What, Type Exception, Func<Tensor[]> Make, Action<Tensor[]> Call, Func<Tensor[], string[]>? Mentions = null)
    {
        public override string ToString() => $"{Op}: {What}";
    }

    // ---- operands: F, D, P, L, N (Functional.OpCases.Operands); leaves get a Grad accumulator first, so the test can
    // see that a failed op leaves it alone ----

    private static float[] Iota(int n) => Enumerable.Range(1, n).Select(i => (float)i).ToArray();

    private static string S(Tensor t) => Shape.Format(t.Shape.ToArray());

    private static Case Shapes(string op, string what, Type ex, Func<Tensor[]> make, Action<Tensor[]> call) =>
        new(op, what, ex, make, call, ts => ts.Select(S).ToArray());

    private static Case DTypes(string op, string what, Func<Tensor[]> make, Action<Tensor[]> call) =>
        new(op, what, typeof(DTypeMismatchException), make, call, ts => ts.Select(t => t.DType.ToString()).Distinct().ToArray());

    public static IEnumerable<Case> All()
    {
        // ---- the elementwise ops: every row of the op table, its forms and its in-place twin ----
        foreach (var b in OpTable.BadInputs)
            yield return new(b.Member, b.What, b.Exception, b.Make, b.Call, b.Mentions);

        // ---- binary ops outside the table: shape, dtype, null ----
        yield return Shapes("MseLoss", "[2, 3] with [4]", typeof(ShapeMismatchException), () => [F(2, 3), F(4)], t => t[0].MseLoss(t[1]));
        yield return Shapes("MseLoss", "[2, 3] with [3, 2]", typeof(ShapeMismatchException), () => [N(2, 3), P(3, 2)], t => t[0].MseLoss(t[1]));
        yield return DTypes("MseLoss", "Float32 with Int64", () => [F(3), L(3)], t => t[0].MseLoss(t[1]));
        yield return DTypes("MseLoss", "Float32 with Float64", () => [F(3), D(3)], t => t[0].MseLoss(t[1]));
        yield return new("MseLoss", "null operand", typeof(ArgumentNullException), () => [F(3)], t => t[0].MseLoss(null!), _ => ["target"]);

        // ---- in-place ops outside the table: receivers that do not require grad, so only the bad operand stops the write ----
        yield return Shapes("Copy_", "[3] receiver, [2, 3] operand (does not broadcast to the receiver)", typeof(ShapeMismatchException), () => [P(3), F(2, 3)], t => t[0].Copy_(t[1]));
        yield return Shapes("Copy_", "[2, 3] receiver, [4] operand", typeof(ShapeMismatchException), () => [P(2, 3), P(4)], t => t[0].Copy_(t[1]));
        yield return Shapes("Copy_", "non-leaf [2, 3] receiver, [2] operand", typeof(ShapeMismatchException), () => [N(2, 3), F(2)], t => t[0].Copy_(t[1]));
        yield return new("Copy_", "leaf that requires grad", typeof(LeafInPlaceException), () => [F(3), P(3)], t => t[0].Copy_(t[1]), _ => ["leaf"]);
        yield return new("Copy_", "null operand", typeof(ArgumentNullException), () => [P(3)], t => t[0].Copy_(null!), _ => ["src"]);
        yield return new("Copy_", "superseded receiver", typeof(SupersededTensorException), () =>
        {
            var x = F(3); var h = P(3); var h2 = h.Add_(x);   // h is superseded by h2
            return [h, x, h2];
        }, t => t[0].Copy_(t[1]));
        yield return DTypes("Copy_", "Int64 receiver, Float32 source that requires grad", () => [L(3), F(3)], t => t[0].Copy_(t[1]));
        foreach (var (op, f) in new (string, Func<Tensor, Tensor>)[] { ("Zero_", t => t.Zero_()), ("Fill_", t => t.Fill_(2f)) })
        {
            yield return new(op, "leaf that requires grad", typeof(LeafInPlaceException), () => [F(2, 2)], t => f(t[0]), _ => ["leaf"]);
            yield return new(op, "view of a leaf that requires grad", typeof(LeafInPlaceException), () => { var x = F(4); return [x.Slice(0, 0, 2), x]; }, t => f(t[0]), _ => ["view"]);
        }

        // ---- matmul and linear ----
        yield return Shapes("MatMul", "[2, 3] @ [2, 3]", typeof(ShapeMismatchException), () => [F(2, 3), F(2, 3)], t => t[0].MatMul(t[1]));
        yield return Shapes("MatMul", "[3] @ [4]", typeof(ShapeMismatchException), () => [F(3), F(4)], t => t[0].MatMul(t[1]));
        yield return Shapes("MatMul", "0-d @ [3]", typeof(ShapeMismatchException), () => [Tensor.Scalar(1f, requiresGrad: true), F(3)], t => t[0].MatMul(t[1]));
        yield return Shapes("MatMul", "[2, 2, 3] @ [3, 3, 4] (batch dims)", typeof(ShapeMismatchException), () => [F(2, 2, 3), N(3, 3, 4)], t => t[0].MatMul(t[1]));
        yield return Shapes("MatMul", "[4, 3] @ [2, 2] ", typeof(ShapeMismatchException), () => [N(4, 3), P(2, 2)], t => t[0].MatMul(t[1]));
        yield return DTypes("MatMul", "Float32 @ Float64", () => [F(2, 2), D(2, 2)], t => t[0].MatMul(t[1]));
        yield return DTypes("MatMul", "Float32 @ Int64", () => [F(2, 2), L(2, 2)], t => t[0].MatMul(t[1]));
        yield return new("MatMul", "null operand", typeof(ArgumentNullException), () => [F(2, 2)], t => t[0].MatMul(null!), _ => ["other"]);
        yield return Shapes("Linear", "1-D weight", typeof(ShapeMismatchException), () => [F(2, 3), F(3)], t => Tensor.Linear(t[0], t[1]));
        yield return Shapes("Linear", "input [2, 3], weight [4, 5]", typeof(ShapeMismatchException), () => [F(2, 3), F(4, 5)], t => Tensor.Linear(t[0], t[1]));
        yield return Shapes("Linear", "bias [3] for weight [4, 3]", typeof(ShapeMismatchException), () => [F(2, 3), F(4, 3), F(3)], t => Tensor.Linear(t[0], t[1], t[2]));
        yield return DTypes("Linear", "Float64 bias", () => [F(2, 3), F(4, 3), D(4)], t => Tensor.Linear(t[0], t[1], t[2]));
        yield return DTypes("Linear", "Float64 weight", () => [F(2, 3), D(4, 3)], t => Tensor.Linear(t[0], t[1]));
        yield return new("Linear", "null input", typeof(ArgumentNullException), () => [F(4, 3)], t => Tensor.Linear(null!, t[0]), _ => ["input"]);
        yield return new("Linear", "null weight", typeof(ArgumentNullException), () => [F(2, 3)], t => Tensor.Linear(t[0], null!), _ => ["weight"]);

        // ---- losses ----
        foreach (var (op, f) in new (string, Func<Tensor, Tensor, Tensor>)[] { ("CrossEntropy", (a, b) => a.CrossEntropy(b)), ("NllLoss", (a, b) => a.NllLoss(b)) })
        {
            yield return new(op, "class index 3 with 3 classes", typeof(ArgumentOutOfRangeException), () => [F(2, 3), Tensor.From([0L, 3L])], t => f(t[0], t[1]), _ => ["3", "[2, 3]"]);
            yield return new(op, "class index -1", typeof(ArgumentOutOfRangeException), () => [N(2, 3), Tensor.From([-1L, 0L])], t => f(t[0], t[1]), _ => ["-1"]);
            yield return new(op, "class index 2^40", typeof(ArgumentOutOfRangeException), () => [F(2, 3), Tensor.From([1L << 40, 0L])], t => f(t[0], t[1]), _ => [(1L << 40).ToString()]);
            yield return DTypes(op, "Float32 target holding NaN", () => [F(2, 3), Tensor.From([float.NaN, 0f])], t => f(t[0], t[1]));
            yield return DTypes(op, "Float32 target holding class numbers", () => [F(2, 3), Tensor.From([1f, 0f])], t => f(t[0], t[1]));
            yield return Shapes(op, "target [3] for input [2, 3]", typeof(ShapeMismatchException), () => [F(2, 3), L(3)], t => f(t[0], t[1]));
            yield return Shapes(op, "target [2, 1] for input [2, 3]", typeof(ShapeMismatchException), () => [F(2, 3), L(2, 1)], t => f(t[0], t[1]));
            yield return Shapes(op, "3-D input", typeof(ShapeMismatchException), () => [F(2, 3, 2), L(2)], t => f(t[0], t[1]));
            yield return new(op, "Int64 input", typeof(DTypeMismatchException), () => [L(2, 3), L(2)], t => f(t[0], t[1]), _ => ["Int64"]);
            yield return new(op, "null target", typeof(ArgumentNullException), () => [F(2, 3)], t => f(t[0], null!), _ => ["target"]);
        }
        yield return new("Forward", "CrossEntropyLoss module, class index out of range", typeof(ArgumentOutOfRangeException), () => [F(2, 3), Tensor.From([0L, 7L])], t => new CrossEntropyLoss().Forward(t[0], t[1]), _ => ["7"]);
        yield return Shapes("Forward", "MSELoss module, [2] with [3]", typeof(ShapeMismatchException), () => [F(2), F(3)], t => new MSELoss().Forward(t[0], t[1]));

        // ---- one-operand ops outside the table on Int64 ----
        foreach (var (op, f) in new (string, Func<Tensor, Tensor>)[]
                 {
                     ("Softmax", t => t.Softmax(0)), ("LogSoftmax", t => t.LogSoftmax(0)), ("Mean", t => t.Mean()), ("Mean", t => t.Mean(0)),
                 })
            yield return new(op, "Int64 operand", typeof(DTypeMismatchException), () => [L(3)], t => f(t[0]), _ => ["Int64", "[3]"]);
        yield return new("RequiresGrad_", "Int64 tensor", typeof(DTypeMismatchException), () => [L(3)], t => t[0].RequiresGrad_(), _ => ["Int64"]);
        yield return new("To", "Float32 that requires grad to Int64", typeof(DTypeMismatchException), () => [N(3)], t => t[0].To(DType.Int64), _ => ["Int64", "[3]"]);

        // ---- dims and indices ----
        var dims = new (string Op, Func<Tensor, Tensor> F)[]
        {
            ("Sum", t => t.Sum(2)), ("Sum", t => t.Sum(-3)), ("Mean", t => t.Mean(5)), ("ArgMax", t => t.ArgMax(2)), ("Softmax", t => t.Softmax(2)),
            ("LogSoftmax", t => t.LogSoftmax(-3)), ("Transpose", t => t.Transpose(0, 2)), ("Flatten", t => t.Flatten(3)),
            ("Unsqueeze", t => t.Unsqueeze(4)), ("Squeeze", t => t.Squeeze(2)), ("Slice", t => t.Slice(2, 0, 1)), ("Select", t => t.Select(-3, 0)),
        };
        foreach (var (op, f) in dims)
        {
            yield return new(op, "dim out of range for [2, 3]", typeof(ArgumentOutOfRangeException), () => [F(2, 3)], t => f(t[0]), _ => ["Dimension out of range"]);
            yield return new(op, "dim out of range for a non-leaf [2, 3]", typeof(ArgumentOutOfRangeException), () => [N(2, 3)], t => f(t[0]), _ => ["Dimension out of range"]);
        }
        yield return new("Select", "index 5 of size 2", typeof(IndexOutOfRangeException), () => [F(2, 3)], t => t[0].Select(0, 5), ts => ["5", "[2, 3]"]);
        yield return new("Select", "index -3 of size 2", typeof(IndexOutOfRangeException), () => [N(2, 3)], t => t[0].Select(0, -3), ts => ["-3", "[2, 3]"]);
        yield return new("Select", "0-d tensor", typeof(IndexOutOfRangeException), () => [Tensor.Scalar(1f, requiresGrad: true)], t => t[0].Select(0, 0), _ => ["0-dim"]);
        yield return new("Slice", "0-d tensor", typeof(IndexOutOfRangeException), () => [Tensor.Scalar(1f, requiresGrad: true)], t => t[0].Slice(0, 0, 1), _ => ["0-dim"]);
        yield return new("get_Element", "too many indices", typeof(IndexOutOfRangeException), () => [F(2, 3)], t => _ = t[0][0, 1, 2], _ => ["[2, 3]"]);
        yield return new("get_Element", "index 7 of size 3", typeof(IndexOutOfRangeException), () => [F(2, 3)], t => _ = t[0][1, 7], _ => ["7", "[2, 3]"]);
        yield return new("set_Element", "value of the wrong shape", typeof(ShapeMismatchException), () => [P(2, 3), P(2)], t => t[0][0] = t[1], ts => ["[2]", "[3]"]);
        yield return new("set_Element", "index out of range", typeof(IndexOutOfRangeException), () => [P(2, 3), P(3)], t => t[0][4] = t[1], _ => ["4"]);
        yield return new("set_Element", "leaf that requires grad", typeof(LeafInPlaceException), () => [F(2, 3), P(3)], t => t[0][0] = t[1], _ => ["leaf"]);
        yield return Shapes("Reshape", "6 elements as [4]", typeof(ShapeMismatchException), () => [F(2, 3)], t => t[0].Reshape(4));
        yield return new("Reshape", "two inferred dims", typeof(ArgumentException), () => [F(2, 3)], t => t[0].Reshape(-1, -1), _ => ["inferred"]);
        yield return new("Reshape", "negative size", typeof(ArgumentException), () => [F(2, 3)], t => t[0].Reshape(-2, 3), _ => ["-2"]);
        yield return new("Reshape", "product overflows 64 bits to 0 (2^16 four times)", typeof(ArgumentException), () => [P(0)], t => t[0].Reshape(65536, 65536, 65536, 65536), _ => ["65536"]);
        yield return Shapes("Permute", "two dims for a rank-3 tensor", typeof(ShapeMismatchException), () => [F(2, 3, 1)], t => t[0].Permute(1, 0));
        yield return new("Permute", "repeated dim", typeof(ArgumentException), () => [F(2, 3)], t => t[0].Permute(1, 1), _ => ["repeated"]);
        yield return new("Permute", "dim out of range", typeof(ArgumentOutOfRangeException), () => [F(2, 3)], t => t[0].Permute(0, 2), _ => ["Dimension out of range"]);
        yield return Shapes("Expand", "[2, 3] to [3]", typeof(ShapeMismatchException), () => [F(2, 3)], t => t[0].Expand(3));
        yield return Shapes("Expand", "[2, 3] to [4, 3]", typeof(ShapeMismatchException), () => [N(2, 3)], t => t[0].Expand(4, 3));
        yield return Shapes("get_T", "rank 3", typeof(ShapeMismatchException), () => [F(2, 3, 1)], t => _ = t[0].T);
        yield return new("Max", "empty tensor", typeof(ArgumentException), () => [P(0, 3)], t => t[0].Max(), _ => ["[0, 3]"]);
        yield return new("ArgMax", "empty dimension", typeof(ArgumentException), () => [P(3, 0)], t => t[0].ArgMax(1), _ => ["[3, 0]"]);
        yield return Shapes("SliceScatter", "source of the wrong shape", typeof(ShapeMismatchException), () => [P(4), P(3)], t => t[0].SliceScatter(t[1], 0, 0, 2));
        yield return new("Item", "three elements", typeof(ShapeMismatchException), () => [F(3)], t => t[0].Item(), _ => ["[3]"]);

        // ---- creation ----
        yield return new("From", "6 values for shape [4]", typeof(ShapeMismatchException), () => [], _ => Tensor.From(Iota(6), [4]), _ => ["[4]", "6"]);
        yield return new("Zeros", "negative size", typeof(ArgumentException), () => [], _ => Tensor.Zeros(2, -1), _ => ["-1"]);
        yield return new("Zeros", "product overflows 64 bits to 0 (2^16 four times)", typeof(ArgumentException), () => [], _ => Tensor.Zeros(65536, 65536, 65536, 65536), _ => ["65536"]);
        yield return new("Full", "more than int.MaxValue elements", typeof(ArgumentException), () => [], _ => Tensor.Full([int.MaxValue, int.MaxValue, int.MaxValue], 1f), _ => ["2147483647"]);
        yield return new("Randn", "negative size", typeof(ArgumentException), () => [], _ => Tensor.Randn([-3], new Generator(0)), _ => ["-3"]);
        yield return new("Randperm", "negative n", typeof(ArgumentOutOfRangeException), () => [], _ => Tensor.Randperm(-1, new Generator(0)), _ => ["-1"]);
        yield return new("Arange", "negative n", typeof(ArgumentOutOfRangeException), () => [], _ => Tensor.Arange(-1), _ => ["n"]);

        // ---- autograd entry points ----
        yield return Shapes("Backward", "gradient of the wrong shape", typeof(ShapeMismatchException), () => { var x = F(3); return [x * 2f, x, F(2)]; }, t => t[0].Backward(t[2]));
        yield return new("Backward", "gradient of the wrong dtype", typeof(DTypeMismatchException), () => { var x = F(3); return [x * 2f, x, D(3)]; }, t => t[0].Backward(t[2]), _ => ["Float64", "Float32"]);
        yield return new("Backward", "non-scalar without gradient", typeof(NonScalarBackwardException), () => { var x = F(3); return [x * 2f, x]; }, t => t[0].Backward(), _ => ["[3]"]);
        yield return new("Backward", "tensor that does not require grad", typeof(NoGradFnException), () => [P(3).Sum()], t => t[0].Backward(), _ => ["[]"]);
        yield return new("Backward", "saved tensor modified in place", typeof(VersionMismatchException), () =>
        {
            var x = F(3); var y = x * 1f; var z = y.Pow(2f); var y2 = y.Mul_(2f);   // PowBackward0 saved y; y's version moved
            return [z.Sum(), x, y2];
        }, t => t[0].Backward(), _ => ["version"]);
        yield return new("RetainGrad", "tensor that does not require grad", typeof(AutogradException), () => [P(3)], t => t[0].RetainGrad(), _ => ["[3]"]);
        yield return new("RegisterHook", "tensor that does not require grad", typeof(AutogradException), () => [P(3)], t => t[0].RegisterHook(g => g), _ => ["[3]"]);
        yield return new("RegisterHook", "null hook", typeof(ArgumentNullException), () => [F(3)], t => t[0].RegisterHook(null!), _ => ["hook"]);
        yield return new("RegisterGradReadyHook", "tensor that does not require grad", typeof(AutogradException), () => [P(3)], t => t[0].RegisterGradReadyHook(_ => { }), _ => ["[3]"]);
        yield return new("RegisterGradReadyHook", "non-leaf", typeof(AutogradException), () => [F(3)], t => (t[0] * 2f).RegisterGradReadyHook(_ => { }), _ => ["MulBackward0"]);
        yield return new("Detach_", "view", typeof(AutogradException), () => { var x = N(4); return [x.Slice(0, 0, 2), x]; }, t => t[0].Detach_(), _ => ["view"]);
        yield return new("set_Grad", "grad of the wrong shape", typeof(ShapeMismatchException), () => [F(3), P(2)], t => t[0].Grad = t[1], _ => ["[2]", "[3]"]);
        yield return new("set_Grad", "grad of the wrong dtype", typeof(DTypeMismatchException), () => [F(3), D(3)], t => t[0].Grad = t[1].Detach(), _ => ["Float64", "Float32"]);
    }

    public static TheoryData<Case> Cases() => new(All());

    // ---- snapshots ----

    private sealed record Snap(string Values, int Version, bool RequiresGrad, string? GradFn, bool Superseded, object? GradRef, string? GradValues, int GradVersion);

    private static string Values(Tensor t) => t.DType == DType.Int64 ? string.Join(",", t.ToInt64Array()) : string.Join(",", t.ToDoubleArray().Select(v => v.ToString("R")));

    private static Snap Take(Tensor t)
    {
        var g = t.IsLeaf ? t.Grad : null;
        return new(Values(t), t.Version, t.RequiresGrad, t.GradFn?.Name, t.IsSuperseded, g, g is null ? null : Values(g), g?.Version ?? -1);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_failing_call_throws_a_clear_exception_and_changes_nothing(Case c)
    {
        var inputs = c.Make();
        var before = inputs.Select(Take).ToArray();
        var e = Assert.ThrowsAny<Exception>(() => c.Call(inputs));
        Assert.True(e.GetType() == c.Exception, $"{c}: expected {c.Exception.Name}, got {e.GetType().Name}: {e.Message}");
        foreach (var m in c.Mentions?.Invoke(inputs) ?? [])
            Assert.True(e.Message.Contains(m, StringComparison.Ordinal), $"{c}: the message does not mention '{m}': {e.Message}");
        var after = inputs.Select(Take).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.True(before[i] with { GradRef = null } == after[i] with { GradRef = null }, $"{c}: operand {i} changed: {before[i]} -> {after[i]}");
            Assert.Same(before[i].GradRef, after[i].GradRef);
        }
    }

    [Fact]
    public void The_table_has_over_130_cases_and_covers_every_public_tensor_op()
    {
        var cases = All().ToList();
        Assert.True(cases.Count >= 130, $"{cases.Count} cases");
        var covered = cases.Select(c => c.Op).ToHashSet();
        // Members that cannot fail on their operands, with the reason.
        var exempt = new Dictionary<string, string>
        {
            ["Clone"] = "copies any tensor", ["Contiguous"] = "copies any tensor", ["Detach"] = "aliases any tensor", ["StopGradient"] = "aliases any tensor (Detach under JAX's name)", ["get_Data"] = "aliases any tensor",
            ["Cpu"] = "the only device", ["ToString"] = "prints any tensor", ["Describe"] = "prints any tensor",
            ["ToArray"] = "converts any dtype", ["ToDoubleArray"] = "converts any dtype", ["ToInt64Array"] = "converts any dtype",
            ["ItemDouble"] = "the same check as Item", ["Scalar"] = "any value", ["op_Implicit"] = "any float",
            ["Ones"] = "the same check as Zeros", ["ZerosLike"] = "any tensor", ["OnesLike"] = "any tensor", ["Rand"] = "the same check as Randn",
            ["Max"] = "covered (empty)", ["Sum"] = "covered", ["GetHashCode"] = "object", ["Equals"] = "object",
        };
        var members = typeof(Tensor).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => !(m.IsSpecialName && m.Name.StartsWith("get_") && m.GetParameters().Length == 0 && m.Name is not "get_T"))
            .Select(m => m.Name).Distinct();
        var missing = members.Where(m => !covered.Contains(m) && !exempt.ContainsKey(m)).ToList();
        Assert.True(missing.Count == 0, "public Tensor members with no failing case and no exemption: " + string.Join(", ", missing));
    }

    // ---- modules and optimizers: a failed load or step leaves every parameter and every state buffer as it was ----

    private static Sequential Model() => new(new Linear(3, 4, gen: new Generator(1)), new ReLU(), new Linear(4, 2, gen: new Generator(2)));

    private static string ModelState(Nn.Module m) => string.Join(";", m.NamedParameters().Select(p => p.Name + "=" + Values(p.P) + "@" + p.P.Version));

    public static TheoryData<string> BadStateDicts() => new("missing key", "extra key", "wrong shape", "wrong dtype", "null tensor");

    [Theory]
    [MemberData(nameof(BadStateDicts))]
    public void A_bad_state_dict_changes_no_parameter(string what)
    {
        var model = Model();
        var good = Model().StateDict().ToDictionary(kv => kv.Key, kv => (Tensor)Tensor.Zeros(kv.Value.Shape.ToArray()));
        var bad = new Dictionary<string, Tensor>(good);
        switch (what)
        {
            case "missing key": bad.Remove("2.bias"); break;
            case "extra key": bad["3.weight"] = Tensor.Zeros(1); break;
            case "wrong shape": bad["2.weight"] = Tensor.Zeros(4, 2); break;
            case "wrong dtype": bad["2.bias"] = Tensor.Zeros([2], DType.Float64); break;
            default: bad["0.bias"] = null!; break;
        }
        var before = ModelState(model);
        var e = Assert.ThrowsAny<ArgumentException>(() => model.LoadStateDict(bad));
        Assert.Contains(what switch { "missing key" => "2.bias", "extra key" => "3.weight", "wrong shape" => "2.weight", "wrong dtype" => "2.bias", _ => "0.bias" }, e.Message);
        Assert.Equal(before, ModelState(model));
        model.LoadStateDict(good);   // the same model still loads a good one
        Assert.All(model.Parameters(), p => Assert.All(p.ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void A_bad_optimizer_state_changes_neither_the_parameters_nor_the_state()
    {
        var model = Model();
        var adam = new Adam(model.Parameters(), lr: 0.1f);
        var x = Tensor.From(Iota(6), [2, 3]);
        model.Forward(x).Sum().Backward();
        adam.Step();
        var state = adam.StateDict();
        string Dump() => ModelState(model) + "|" + string.Join(";", adam.StateDict().OrderBy(kv => kv.Key).Select(kv => kv.Key + "=" + Values(kv.Value)));
        var before = Dump();
        foreach (var bad in new[]
                 {
                     state.Where(kv => kv.Key != "state.0.exp_avg").ToDictionary(),
                     state.ToDictionary(kv => kv.Key, kv => kv.Key == "state.1.exp_avg_sq" ? Tensor.Zeros(7) : kv.Value),
                     state.ToDictionary(kv => kv.Key, kv => kv.Key == "state.2.exp_avg" ? Tensor.Zeros(kv.Value.Shape.ToArray(), DType.Float64) : kv.Value),
                 })
        {
            Assert.ThrowsAny<ArgumentException>(() => adam.LoadStateDict(bad));
            Assert.Equal(before, Dump());
        }
    }
}
