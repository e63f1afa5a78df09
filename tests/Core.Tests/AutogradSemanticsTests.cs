namespace Functional.Tests;

/// <summary>
/// The autograd promises of API.md ("Rules the names alone don't say") and the founding issue, one test each.
/// PyTorch values and messages are from <c>Reference/torch_reference.out</c> (PyTorch 1.13); where 1.x and 2.x differ
/// we follow 2.x and say so.
/// </summary>
public class AutogradSemanticsTests
{
    private static void AssertClose(float[] expected, Tensor? actual, float tol = 1e-4f) =>
        TensorAssert.Close(expected, actual, absolute: tol, relative: tol);

    private static Tensor Abc() => Tensor.From([1f, 2f, 3f], requiresGrad: true);

    private static string? Name(Tensor t) => t.GradFn?.Name;

    private static string[] NextNames(Tensor t) => t.GradFn!.NextFunctions.Select(n => n?.Name ?? "None").ToArray();

    [Fact]
    public void GradFnNamesAreThoseTorchPrints()
    {
        // torch_reference.out, "grad_fn names" (1.13). Where 2.x differs we follow 2.x: reshape of a viewable tensor and
        // flatten are ViewBackward0 there (1.13 printed ReshapeAliasBackward0).
        var a = Abc();
        var b = Tensor.From([4f, 5f, 6f], requiresGrad: true);
        var m = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }, requiresGrad: true);
        var sq = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } }, requiresGrad: true);
        var cases = new (string Op, Func<Tensor> F, string Name)[]
        {
            ("softmax(0)", () => a.Softmax(0), "SoftmaxBackward0"),
            ("log_softmax(0)", () => a.LogSoftmax(0), "LogSoftmaxBackward0"),
            ("sum()", () => a.Sum(), "SumBackward0"),
            ("sum(0)", () => a.Sum(0), "SumBackward1"),
            ("sum(0, keepdim)", () => a.Sum(0, keepDim: true), "SumBackward1"),
            ("mean()", () => a.Mean(), "MeanBackward0"),
            ("mean(0)", () => a.Mean(0), "MeanBackward1"),
            ("max()", () => a.Max(), "MaxBackward1"),
            ("matmul 1D.1D", () => a.MatMul(b), "DotBackward0"),
            ("matmul 2D@1D", () => m.MatMul(a), "MvBackward0"),
            ("matmul 2D@2D", () => m.MatMul(m.T), "MmBackward0"),
            ("linear 2D bias", () => Tensor.Linear(m, m, b.Slice(0, 0, 2)), "AddmmBackward0"),
            ("linear 2D no bias", () => Tensor.Linear(m, m), "MmBackward0"),
            ("clone", () => a.Clone(), "CloneBackward0"),
            ("contiguous (transposed)", () => m.T.Contiguous(), "CloneBackward0"),
            ("reshape viewable", () => m.Reshape(3, 2), "ViewBackward0"),
            ("reshape non-viewable", () => m.T.Reshape(6), "UnsafeViewBackward0"),
            ("transpose(0,1)", () => m.Transpose(0, 1), "TransposeBackward0"),
            (".T", () => m.T, "PermuteBackward0"),
            ("narrow / a[0:2]", () => a.Slice(0, 0, 2), "SliceBackward0"),
            ("M[:,1:3]", () => m.Slice(1, 1, 3), "SliceBackward0"),
            ("a[0]", () => a[0], "SelectBackward0"),
            ("expand", () => a.Unsqueeze(0).Expand(2, 3), "ExpandBackward0"),
            ("flatten", () => sq.Flatten(), "ViewBackward0"),
            ("squeeze(0)", () => a.Unsqueeze(0).Squeeze(0), "SqueezeBackward1"),
            ("unsqueeze(0)", () => a.Unsqueeze(0), "UnsqueezeBackward0"),
            ("cross_entropy", () => m.CrossEntropy(Tensor.From([2L, 0L])), "NllLossBackward0"),
            ("nll_loss", () => m.LogSoftmax(1).NllLoss(Tensor.From([2L, 0L])), "NllLossBackward0"),
        };
        // The elementwise ops: every form of every row of the op table (names from op_table_reference.out, 1.13).
        var elementwise =
            OpTable.Unary.SelectMany(r => r.Forms.Select(f => ($"{r.Name} via {f.Member}", (Func<Tensor>)(() => f.Apply(a)), r.GradFn)))
            .Concat(OpTable.Binary.SelectMany(r => r.Forms.Select(f => ($"{r.Name} via {f.Member}", (Func<Tensor>)(() => f.Apply(a, b)), r.GradFn))));
        cases = [.. elementwise, .. cases];
        var wrong = cases.Select(c => (c.Op, c.Name, Got: Name(c.F()))).Where(c => c.Got != c.Name)
                         .Select(c => $"{c.Op}: expected {c.Name}, got {c.Got ?? "null"}").ToList();
        Assert.Empty(wrong);

        // Composite graphs ("backward graphs (composites)").
        Assert.Equal(new[] { "ReciprocalBackward0" }, NextNames(2f / a));
        Assert.Equal(new[] { "AccumulateGrad" }, NextNames(2f - a));
        Assert.Equal(new[] { "LogSoftmaxBackward0" }, NextNames(m.CrossEntropy(Tensor.From([2L, 0L]))));
        Assert.Equal(new[] { "CloneBackward0" }, NextNames(m.T.Reshape(6)));
        Assert.Equal(new[] { "AccumulateGrad", "AccumulateGrad" }, NextNames(a * b));
        Assert.Equal("<SigmoidBackward0>", a.Sigmoid().GradFn!.ToString());

        // contiguous of a contiguous tensor is the tensor itself (grad_fn None for a leaf).
        Assert.Same(a, a.Contiguous());
        Assert.Null(a.Contiguous().GradFn);
    }

    [Fact]
    public void InPlaceGradFnNamesAreThoseTorchPrints()
    {
        // torch_reference.out, "in-place on non-leaf b=a*1 (grad_fn after op)"
        var a = Abc();
        var t = Tensor.From([0.5f, 1f, 2f]);
        var cases = new (string Op, Func<Tensor, Tensor> F, string Name)[]
        {
            ("zero_", b => b.Zero_(), "ZeroBackward0"),
            ("fill_(1.)", b => b.Fill_(1f), "FillBackward2"),
            ("copy_(tensor)", b => b.Copy_(t), "CopyBackwards"),
        };
        // The in-place twins of the op table's rows (add_(1), mul_(tensor), relu_, ...) record their row's node.
        cases =
        [
            .. cases,
            .. OpTable.Unary.Where(r => r.InPlace is not null).Select(r => ($"{r.InPlace!.Member} ({r.Name})", r.InPlace!.Apply, r.GradFn)),
            .. OpTable.Binary.Where(r => r.InPlace is not null).Select(r => ($"{r.InPlace!.Member} ({r.Name})", (Func<Tensor, Tensor>)(b => r.InPlace!.Apply(b, t)), r.GradFn)),
        ];
        Assert.Contains(cases, c => c.Op.StartsWith("Relu_", StringComparison.Ordinal));
        foreach (var (op, f, name) in cases)
        {
            var b = a * 1f;
            var r = f(b);
            Assert.True(name == Name(r), $"{op}: expected {name}, got {Name(r)}");
            Assert.Equal(1, r.Version);
            Assert.Equal(1, b.Version);
            Assert.NotSame(b, r);
        }
    }

    // ---- the op table's in-place twins and alternative forms (tests/OpCases/OpTable.cs) -----------------

    public static TheoryData<string> UnaryRowsWithTwins() => new(OpTable.Unary.Where(r => r.InPlace is not null).Select(r => r.Name));

    public static TheoryData<string> BinaryRowsWithTwins() => new(OpTable.Binary.Where(r => r.InPlace is not null).Select(r => r.Name));

    /// <summary>Weights of the checked scalar sum(w * y), so that every output element counts.</summary>
    private static readonly Tensor TwinWeights = Tensor.From(new Domain("weights", -1, 1).Sample(41, 6), [2, 3]);

    [Theory]
    [MemberData(nameof(UnaryRowsWithTwins))]
    public void InPlaceTwinGivesTheOutOfPlaceValueAndGradients(string op)
    {
        // Expected values: the out-of-place op's own (same forward, same derivative), in Float64, on a non-leaf
        // receiver b = x * 1: the twin must give the same value, the same node and the same gradient through b's history.
        var row = OpTable.UnaryNamed(op);
        var values = row.Domain.Sample(40, 6);
        (double[] Value, double[] Grad, string? Node, Tensor Receiver) Run(Func<Tensor, Tensor> f)
        {
            var x = Tensor.From(values, [2, 3], requiresGrad: true);
            var b = x * 1f;
            var y = f(b);
            var g = Autograd.Grad([(y * TwinWeights).Sum()], [x])[0]!;
            return (y.ToDoubleArray(), g.ToDoubleArray(), y.GradFn?.Name, b);
        }
        var expected = Run(row.Apply);
        var twin = Run(row.InPlace!.Apply);
        Assert.Equal(row.GradFn, twin.Node);
        Assert.Equal(expected.Value, twin.Value);
        Assert.Equal(expected.Grad, twin.Grad);
        Assert.True(twin.Receiver.IsSuperseded, $"{row.InPlace.Member}: the receiver must be superseded by the handle it returned");
    }

    [Theory]
    [MemberData(nameof(BinaryRowsWithTwins))]
    public void BinaryInPlaceTwinGivesTheOutOfPlaceValueAndGradients(string op)
    {
        // Expected values: the out-of-place op's own, as above; the operand [3] is broadcast to the receiver's [2, 3]
        // and requires grad, so both the receiver's history and the operand get a gradient.
        var row = OpTable.BinaryNamed(op);
        var a = row.DomainA.Sample(42, 6);
        var o = row.DomainB.Sample(43, 3);
        (double[] Value, double[] GradX, double[] GradOther, string? Node) Run(Func<Tensor, Tensor, Tensor> f)
        {
            var x = Tensor.From(a, [2, 3], requiresGrad: true);
            var other = Tensor.From(o, [3], requiresGrad: true);
            var y = f(x * 1f, other);
            var g = Autograd.Grad([(y * TwinWeights).Sum()], [x, other]);
            return (y.ToDoubleArray(), g[0]!.ToDoubleArray(), g[1]!.ToDoubleArray(), y.GradFn?.Name);
        }
        var expected = Run(row.Apply);
        var twin = Run(row.InPlace!.Apply);
        Assert.Equal(row.GradFn, twin.Node);
        Assert.Equal(expected.Value, twin.Value);
        Assert.Equal(expected.GradX, twin.GradX);
        Assert.Equal(expected.GradOther, twin.GradOther);
    }

    public static TheoryData<string> RowsWithSeveralForms() =>
        new(OpTable.Unary.Where(r => r.Forms.Length > 1).Select(r => r.Name).Concat(OpTable.Binary.Where(r => r.Forms.Length > 1).Select(r => r.Name)));

    [Theory]
    [MemberData(nameof(RowsWithSeveralForms))]
    public void EveryFormOfAnOpIsTheSameOp(string op)
    {
        // Expected values: the first form's: -x and x.Neg(), a + b and a.Add(b), x.Pow(p) and F#'s static Pow must
        // give the same value, node and gradients.
        var unary = OpTable.Unary.SingleOrDefault(r => r.Name == op);
        var binary = unary is null ? OpTable.BinaryNamed(op) : null;
        var forms = unary?.Forms.Select(f => (f.Member, F: (Func<Tensor[], Tensor>)(t => f.Apply(t[0]))))
                    ?? binary!.Forms.Select(f => (f.Member, F: (Func<Tensor[], Tensor>)(t => f.Apply(t[0], t[1]))));
        var domains = unary is not null ? new[] { unary.Domain } : [binary!.DomainA, binary.DomainB];
        (double[] Value, string? Node, double[][] Grads) Run(Func<Tensor[], Tensor> f)
        {
            var xs = domains.Select((d, i) => d.Leaf(44 + i, 2, 3)).ToArray();
            var y = f(xs);
            var g = Autograd.Grad([(y * TwinWeights).Sum()], xs);
            return (y.ToDoubleArray(), y.GradFn?.Name, g.Select(t => t!.ToDoubleArray()).ToArray());
        }
        var all = forms.ToList();
        Assert.True(all.Count > 1);
        var first = Run(all[0].F);
        foreach (var (member, f) in all.Skip(1))
        {
            var other = Run(f);
            Assert.True(first.Node == other.Node, $"{op} via {member}: node {other.Node}, via {all[0].Member}: {first.Node}");
            Assert.Equal(first.Value, other.Value);
            for (int i = 0; i < first.Grads.Length; i++) Assert.Equal(first.Grads[i], other.Grads[i]);
        }
    }

    [Fact]
    public void RequiresGradPropagatesAndOnlyUnrecordedTensorsAreLeaves()
    {
        var x = Abc();
        var c = Tensor.From([1f, 1f, 1f]);
        Assert.True(x.IsLeaf);
        Assert.True(x.RequiresGrad);
        Assert.True(c.IsLeaf);
        Assert.False(c.RequiresGrad);

        var y = x * c;
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
        Assert.NotNull(y.GradFn);

        var k = c * 2f + c;   // nothing requires grad: nothing records
        Assert.False(k.RequiresGrad);
        Assert.True(k.IsLeaf);
        Assert.Null(k.GradFn);

        Tensor n;
        using (Autograd.NoGrad()) n = x * 2f;
        Assert.False(n.RequiresGrad);
        Assert.True(n.IsLeaf);

        var d = y.Detach();
        Assert.True(d.IsLeaf);
        Assert.False(d.RequiresGrad);

        Assert.Same(c, c.RequiresGrad_());
        Assert.True(c.RequiresGrad);
        Assert.True((c * 2f).RequiresGrad);
        c.RequiresGrad_(false);
        Assert.False(c.RequiresGrad);

        // torch_reference.out, "error texts": requires_grad_ on a non-leaf; requires_grad on an int tensor.
        var e = Assert.ThrowsAny<AutogradException>(() => y.RequiresGrad_(false));
        Assert.StartsWith("you can only change requires_grad flags of leaf variables.", e.Message);
        var d2 = Assert.Throws<DTypeMismatchException>(() => Tensor.Arange(3).RequiresGrad_());
        Assert.StartsWith("only Tensors of floating point dtype can require gradients", d2.Message);
    }

    [Fact]
    public void GradModeScopesNestRestoreAndArePerThread()
    {
        var x = Abc();
        Assert.True(Autograd.IsGradEnabled);
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsGradEnabled);
            Assert.Null((x * 2f).GradFn);
            using (Autograd.EnableGrad())
            {
                Assert.True(Autograd.IsGradEnabled);
                Assert.NotNull((x * 2f).GradFn);
            }
            Assert.False(Autograd.IsGradEnabled);
        }
        Assert.True(Autograd.IsGradEnabled);

        // SetGradEnabled takes effect at once, before the scope is used; disposing restores the previous mode.
        var scope = Autograd.SetGradEnabled(false);
        try
        {
            Assert.False(Autograd.IsGradEnabled);
            Assert.False((x * 2f).RequiresGrad);

            // Grad mode is per thread: another thread still records.
            bool otherEnabled = false, otherRecorded = false;
            var thread = new Thread(() => { otherEnabled = Autograd.IsGradEnabled; otherRecorded = (x * 2f).GradFn is not null; });
            thread.Start();
            thread.Join();
            Assert.True(otherEnabled);
            Assert.True(otherRecorded);
            Assert.False(Autograd.IsGradEnabled);

            using (Autograd.SetGradEnabled(true)) Assert.True(Autograd.IsGradEnabled);
            Assert.False(Autograd.IsGradEnabled);
        }
        finally { scope.Dispose(); }
        Assert.True(Autograd.IsGradEnabled);
        scope.Dispose();   // a second dispose changes nothing
        Assert.True(Autograd.IsGradEnabled);
    }

    [Fact]
    public void AutogradGradReturnsGradientsWithoutTouchingAccumulators()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var unused = Tensor.From([1f], requiresGrad: true);
        var y = (x * x).Sum();
        var g = Autograd.Grad([y], [x], retainGraph: true);
        AssertClose([2f, 4f], g[0]);
        Assert.False(g[0]!.RequiresGrad);
        Assert.Null(x.Grad);

        // torch_reference.out, "error texts": unused input.
        var e = Assert.ThrowsAny<AutogradException>(() => Autograd.Grad([y], [x, unused], retainGraph: true));
        Assert.StartsWith("One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.", e.Message);
        var both = Autograd.Grad([y], [x, unused], retainGraph: true, allowUnused: true);
        AssertClose([2f, 4f], both[0]);
        Assert.Null(both[1]);

        // An input that does not require grad.
        var c = Tensor.From([1f, 2f]);
        e = Assert.ThrowsAny<AutogradException>(() => Autograd.Grad([y], [c], retainGraph: true));
        Assert.StartsWith("One of the differentiated Tensors does not require grad", e.Message);

        // An output that does not require grad.
        Assert.StartsWith("element 0 of tensors does not require grad and does not have a grad_fn",
                          Assert.Throws<NoGradFnException>(() => Autograd.Grad([c.Sum()], [x])).Message);

        Assert.Null(x.Grad);
        Assert.Null(unused.Grad);

        // A non-leaf input gets dL/d(that tensor); gradOutputs seeds a non-scalar output.
        var h = x * 3f;
        var gh = Autograd.Grad([h], [x, h], [Tensor.From([1f, 10f])]);
        AssertClose([3f, 30f], gh[0]);
        AssertClose([1f, 10f], gh[1]);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void AutogradGradRunsTensorHooksButStoresNoRetainedGrad()
    {
        // PyTorch 2.x runs tensor pre-hooks before autograd.grad captures an input's gradient (1.13 returned 3 for the
        // leaf below, without the hook). Unlike PyTorch 2.x, Autograd.Grad stores no retained .grad: it is the pure path.
        var x = Abc();
        x.RegisterHook(g => g * 2f);
        AssertClose([6f, 6f, 6f], Autograd.Grad([(x * 3f).Sum()], [x])[0]);
        Assert.Null(x.Grad);

        var z = Abc();
        var y = (z * 2f).RetainGrad();
        y.RegisterHook(g => g * 10f);
        var g2 = Autograd.Grad([(y * 1f).Sum()], [z, y]);
        AssertClose([20f, 20f, 20f], g2[0]);
        AssertClose([10f, 10f, 10f], g2[1]);
        Assert.Null(y.Grad);
        Assert.Null(z.Grad);
    }

    [Fact]
    public void RetainGradAndRegisterHookNeedATensorThatRequiresGrad()
    {
        // torch_reference.out, "error texts": retain_grad / register_hook on a tensor that does not require grad.
        var c = Tensor.From([1f, 2f]);
        Assert.StartsWith("can't retain_grad on Tensor that has requires_grad=False",
                          Assert.ThrowsAny<AutogradException>(() => c.RetainGrad()).Message);
        Assert.StartsWith("cannot register a hook on a tensor that doesn't require gradient",
                          Assert.ThrowsAny<AutogradException>(() => c.RegisterHook(g => g)).Message);

        // retain_grad on a leaf that requires grad is a no-op ("NO ERROR").
        var x = Abc();
        Assert.Same(x, x.RetainGrad());
    }

    [Fact]
    public void HooksRunBeforeARetainedGradIsStored()
    {
        // PyTorch 2.x: retains_grad always runs last, so y2.grad sees the hook's result whatever the order. PyTorch 1.13
        // ("scenario 7e: retain_grad registered BEFORE doubling hook") stored 2 here; 7d (hook first) gives 4 in both.
        foreach (bool retainFirst in new[] { true, false })
        {
            var x2 = Tensor.From([0.5f], requiresGrad: true);
            var w1 = Tensor.From([2f], requiresGrad: true);
            var w2 = Tensor.From([2f], requiresGrad: true);
            var y2 = x2.Pow(w1);
            if (retainFirst) y2.RetainGrad();
            y2.RegisterHook(g => g * 2f);
            if (!retainFirst) y2.RetainGrad();
            (w2 * y2 + 1f).Backward();
            AssertClose([4f], y2.Grad);
            AssertClose([4f], x2.Grad);
        }
    }

    [Fact]
    public void InPlaceOnANonLeafReturnsANewHandleAndSupersedesTheReceiver()
    {
        var x = Abc();
        var b = x * 2f;
        var oldFn = b.GradFn;
        var b2 = b.Mul_(3f);
        Assert.NotSame(b, b2);
        Assert.Equal("MulBackward0", b2.GradFn!.Name);
        Assert.Same(oldFn, b2.GradFn.NextFunctions[0]);   // rebased onto the old history
        Assert.Equal(1, b2.Version);
        Assert.Equal("tensor([ 6., 12., 18.], grad_fn=<MulBackward0>)", b2.ToString());

        // Reading the superseded handle is allowed: values, flags, grad_fn, Grad.
        Assert.True(b.IsSuperseded);
        Assert.False(b2.IsSuperseded);
        Assert.Equal(new[] { 6f, 12f, 18f }, b.ToArray());
        Assert.True(b.RequiresGrad);
        Assert.Same(oldFn, b.GradFn);
        Assert.Equal(1, b.Version);
        Assert.Null(b.Grad);

        // Recording an op with it is not.
        var e = Assert.Throws<SupersededTensorException>(() => b * 1f);
        Assert.Contains("superseded by Mul_()", e.Message);
        Assert.Throws<SupersededTensorException>(() => b.Sum());
        Assert.Throws<SupersededTensorException>(() => b.Add_(1f));
        // Nor is a backward from it: its grad_fn describes the old values (PyTorch's b would walk the new history).
        Assert.Throws<SupersededTensorException>(() => b.Backward(Tensor.Ones(3)));
        Assert.Null(x.Grad);

        // torch_reference.out, "exact float32 values": inplace b=x*2; b.mul_(3); (b*b).sum() x.grad
        (b2 * b2).Sum().Backward();
        AssertClose([72f, 144f, 216f], x.Grad);
    }

    [Fact]
    public void Indexing_a_superseded_handle_says_how_to_read_its_values()
    {
        // API.md: reading a superseded handle is allowed, but its indexer get records a view (SelectBackward0), so it
        // throws; the message must say how to read the values instead. (No PyTorch counterpart: its b[0] reads the
        // in-place result through the new history.)
        var x = Abc();
        var b = x * 2f;
        var b2 = b.Mul_(3f);
        var e = Assert.Throws<SupersededTensorException>(() => b[0]);
        Assert.Contains("superseded by Mul_()", e.Message);
        Assert.Contains("indexer", e.Message);
        Assert.Contains("ToArray()", e.Message);
        Assert.Contains("Item()", e.Message);
        Assert.Contains("the handle Mul_() returned", e.Message);
        Assert.Equal([6f, 12f, 18f], b.ToArray());   // what the message offers works
        Assert.Equal(12f, b2[1].Item());

        // A view taken before the in-place op is stale the same way.
        var y = x * 2f;
        var row = y.Unsqueeze(0);
        y.Mul_(3f);
        e = Assert.Throws<SupersededTensorException>(() => row[0, 1]);
        Assert.Contains("ToArray()", e.Message);
        Assert.Equal([6f, 12f, 18f], row.ToArray());
    }

    [Fact]
    public void InPlaceWithAnOperandThatRequiresGradRecordsOnAPlainReceiver()
    {
        // Supersession happens when the in-place op records: here because the operand requires grad.
        var x = Abc();
        var acc = Tensor.Zeros(3);
        var acc2 = acc.Add_(x, alpha: 2f);
        Assert.NotSame(acc, acc2);
        Assert.True(acc.IsSuperseded);
        Assert.Equal("AddBackward0", acc2.GradFn!.Name);
        (acc2 * acc2).Sum().Backward();
        AssertClose([8f, 16f, 24f], x.Grad);   // d/dx (2x)^2 = 8x
    }

    [Fact]
    public void OverwritingInPlaceGivesTheOldHistoryAZeroGradientNotNull()
    {
        // torch_reference.out, "exact float32 values": inplace b=x*1; b.zero_ / b.fill_(2.) / b.copy_(t); b.sum()
        // PyTorch's rule is zeros_like(grad), so x.grad is zeros (an optimizer then steps x), not None.
        var ops = new (string Op, Func<Tensor, Tensor, Tensor> F)[]
        {
            ("zero_", (b, _) => b.Zero_()), ("fill_(2.)", (b, _) => b.Fill_(2f)), ("copy_(t)", (b, t) => b.Copy_(t)),
        };
        foreach (var (op, f) in ops)
        {
            var x = Abc();
            var t = Tensor.Ones(3).RequiresGrad_();
            f(x * 1f, t).Sum().Backward();
            Assert.True(x.Grad is not null, op);
            AssertClose([0f, 0f, 0f], x.Grad);
            if (op == "copy_(t)") AssertClose([1f, 1f, 1f], t.Grad);
            else Assert.Null(t.Grad);
        }
    }

    [Fact]
    public void InPlaceAddAndSubWithAlphaSaveNothing()
    {
        // torch_reference.out, "exact float32 values": b=x.clone(); b.add_(t, alpha=2) / b.sub_(t, alpha=2);
        // y.backward() twice -> NO ERROR, gradients accumulate twice.
        foreach (float sign in new[] { 1f, -1f })
        {
            var x = Abc();
            var t = Tensor.Ones(3).RequiresGrad_();
            var b = x.Clone();
            var y = (sign > 0 ? b.Add_(t, alpha: 2f) : b.Sub_(t, alpha: 2f)).Sum();
            y.Backward();
            y.Backward();
            AssertClose([2f, 2f, 2f], x.Grad);
            AssertClose([4f * sign, 4f * sign, 4f * sign], t.Grad);
        }
    }

    [Fact]
    public void VersionErrorsNameTheSavedTensorLikeTorch()
    {
        // torch_reference.out, "error texts": version error with a saved leaf (no "which is output 0 of").
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x * x;
        using (Autograd.NoGrad()) x.Mul_(2f);
        Assert.Equal(1, x.Version);
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.StartsWith("one of the variables needed for gradient computation has been modified by an inplace operation: " +
                          "[Float [2]] is at version 1; expected version 0 instead.", e.Message);
        Assert.Null(e.Producer);
        Assert.Null(x.Grad);

        // A saved output modified by a recorded in-place op ("version error with saved output", "sigmoid ... via add_").
        x = Tensor.From([1f, 2f], requiresGrad: true);
        var ex = x.Exp().Mul_(2f);
        e = Assert.Throws<VersionMismatchException>(() => ex.Sum().Backward());
        Assert.Contains("[Float [2]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead.", e.Message);
        var sg = x.Sigmoid().Add_(1f);
        e = Assert.Throws<VersionMismatchException>(() => sg.Sum().Backward());
        Assert.Contains("[Float [2]], which is output 0 of SigmoidBackward0, is at version 1; expected version 0 instead.", e.Message);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void InPlaceUnderNoGradReturnsTheReceiverWhichStaysUsable()
    {
        var x = Abc();
        var b = x * 2f;
        Tensor r;
        using (Autograd.NoGrad()) r = b.Mul_(3f);
        Assert.Same(b, r);
        Assert.False(b.IsSuperseded);
        Assert.Equal(1, b.Version);
        Assert.Equal("MulBackward0", b.GradFn!.Name);
        Assert.Equal(new[] { 6f, 12f, 18f }, (b * 1f).ToArray());   // still usable in recorded ops

        // An optimizer-style update of a leaf parameter.
        var p = Abc();
        using (Autograd.NoGrad()) Assert.Same(p, p.Sub_(Tensor.From([1f, 1f, 1f]), alpha: 0.5f));
        Assert.Equal(new[] { 0.5f, 1.5f, 2.5f }, p.ToArray());
        Assert.True(p.IsLeaf);
        Assert.True(p.RequiresGrad);
        Assert.NotNull((p * 2f).GradFn);
    }

    [Fact]
    public void TheHandleAnInPlaceOpReturnsKeepsRetainGrad()
    {
        var x = Abc();
        var b = (x * 2f).RetainGrad();
        var b2 = b.Add_(1f);
        (b2 * b2).Sum().Backward();
        AssertClose([6f, 10f, 14f], b2.Grad);   // 2 * (2x + 1)
        AssertClose([12f, 20f, 28f], x.Grad);
    }

    [Fact]
    public void HooksSeeTheGradientOfTheValueTheirHandleHeld()
    {
        // PyTorch 2.x: a hook registered before an in-place op sees dL/d(old value); one on the result, dL/d(new value).
        var x = Abc();
        var b = x * 2f;
        Tensor? seenOld = null, seenNew = null;
        b.RegisterHook(g => { seenOld = g; return null; });
        var b2 = b.Mul_(3f);
        b2.RegisterHook(g => { seenNew = g; return null; });
        (b2 * b2).Sum().Backward();
        AssertClose([12f, 24f, 36f], seenNew);   // 2 * b2 = 2 * 6x
        AssertClose([36f, 72f, 108f], seenOld);  // 3 * 2 * b2
        AssertClose([72f, 144f, 216f], x.Grad);
    }

    [Fact]
    public void IndexerWriteIntoANonLeafThatRequiresGradThrowsNotSupported()
    {
        var x = Abc();
        var b = x * 2f;
        var e = Assert.Throws<NotSupportedException>(() => b[0] = 5f);
        Assert.Contains("SliceScatter", e.Message);
        Assert.Equal(0, b.Version);
        Assert.Equal(new[] { 2f, 4f, 6f }, b.ToArray());
        Assert.False(b.IsSuperseded);

        // The functional alternative gives PyTorch's CopySlices gradient ("b[0]=x where x requires grad":
        // aa.grad [0, 1, 1], xx.grad 1).
        var aa = Abc();
        var xx = Tensor.Scalar(5f, requiresGrad: true);
        var written = (aa * 1f).SliceScatter(xx.Unsqueeze(0), 0, 0, 1);
        Assert.Equal(new[] { 5f, 2f, 3f }, written.ToArray());
        written.Sum().Backward();
        AssertClose([0f, 1f, 1f], aa.Grad);
        AssertClose([1f], xx.Grad);
    }

    [Fact]
    public void InPlaceThroughAViewOfANonLeafThatRequiresGradThrowsNotSupported()
    {
        var x = Abc();
        var b = x * 2f;
        var v = b.Slice(0, 0, 2);
        var e = Assert.Throws<NotSupportedException>(() => v.Mul_(2f));
        Assert.Contains("view", e.Message);
        Assert.Contains("SliceScatter", e.Message);
        Assert.Throws<NotSupportedException>(() => b.Reshape(3, 1).Zero_());
        Assert.Equal(0, b.Version);
        Assert.Equal(new[] { 2f, 4f, 6f }, b.ToArray());

        // Under NoGrad nothing records, so the write goes through (and backward then sees the version change).
        var y = (b * b).Sum();
        using (Autograd.NoGrad()) v.Mul_(2f);
        Assert.Equal(new[] { 4f, 8f, 6f }, b.ToArray());
        Assert.Throws<VersionMismatchException>(() => y.Backward());
    }

    [Fact]
    public void AViewTakenBeforeARecordedInPlaceOpOnItsBaseIsStale()
    {
        var x = Abc();
        var b = x * 2f;
        var v = b.Slice(0, 0, 2);
        var b2 = b.Mul_(3f);
        Assert.Equal(new[] { 6f, 12f }, v.ToArray());   // reading is fine
        var e = Assert.Throws<SupersededTensorException>(() => v * 1f);
        Assert.Contains("view", e.Message);
        Assert.Throws<SupersededTensorException>(() => v.Sum());
        Assert.Throws<SupersededTensorException>(() => v.Backward(Tensor.Ones(2)));
        Assert.Null(x.Grad);

        // A view taken from the returned handle is current.
        var v2 = b2.Slice(0, 0, 2);
        v2.Sum().Backward();
        AssertClose([6f, 6f, 0f], x.Grad);
    }

    [Fact]
    public void DetachInPlaceOnAViewRefuses()
    {
        // torch_reference.out, "error texts": detach_() on a view (of a non-leaf, and of a leaf).
        var x = Abc();
        var b = x * 1f;
        var e = Assert.ThrowsAny<AutogradException>(() => b.Slice(0, 0, 2).Detach_());
        Assert.StartsWith("Can't detach views in-place. Use detach() instead.", e.Message);
        Assert.Contains("view", e.Message);
        Assert.ThrowsAny<AutogradException>(() => x.Slice(0, 0, 2).Detach_());
        Assert.False(b.IsSuperseded);
    }

    [Fact]
    public void ZeroingGradUnderNoGradResetsTheAccumulator()
    {
        var x = Abc();
        (x * 2f).Sum().Backward();
        var acc = x.Grad!;
        AssertClose([2f, 2f, 2f], acc);
        using (Autograd.NoGrad()) Assert.Same(acc, x.Grad!.Zero_());
        AssertClose([0f, 0f, 0f], x.Grad);
        Assert.Same(acc, x.Grad);

        (x * 3f).Sum().Backward();   // accumulates into the zeroed accumulator
        AssertClose([3f, 3f, 3f], x.Grad);
        Assert.Same(acc, x.Grad);
        (x * 1f).Sum().Backward();
        AssertClose([4f, 4f, 4f], x.Grad);
    }

    [Fact]
    public void AFailingBackwardLeavesEveryAccumulatorUnchanged()
    {
        var x = Abc();
        var w = Tensor.From([1f, 1f, 1f], requiresGrad: true);
        var h = Tensor.From([2f], requiresGrad: true);
        (w * 1f).Sum().Backward();   // w.Grad = [1, 1, 1] before the failing backward
        var h2 = (h * 5f).RetainGrad();
        var s = x.Sigmoid();
        // w and h are reachable through nodes that would run before the failing SigmoidBackward0.
        var loss = (w * 3f).Sum() + h2.Sum() + s.Sum();
        s.Detach().Zero_();
        var e = Assert.Throws<VersionMismatchException>(() => loss.Backward());
        Assert.Contains("output 0 of SigmoidBackward0", e.Message);
        AssertClose([1f, 1f, 1f], w.Grad);
        Assert.Null(x.Grad);
        Assert.Null(h.Grad);
        Assert.Null(h2.Grad);
    }

    private static Tensor DoubleOnes(Tensor g) => Tensor.From(new double[] { 1, 1 });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_hook_that_changes_the_gradients_dtype_or_shape_is_refused_and_no_grad_changes(bool onLeaf)
    {
        // PyTorch 1.13 (/usr/bin/python3), a float32 w = [1, 2] with w.grad = [3, 3] from a first backward, a hook on w
        // (leaf) or on y = w * 2 (non-leaf), then (y * 3).sum().backward(): RuntimeError
        //   "hook 'myhook' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)" (a float64 result),
        //   "hook '<lambda>' has changed the size of value" (a result of shape [3] or [2, 1]),
        // and w.grad stays [3, 3].
        var w = Tensor.From([1f, 2f], requiresGrad: true);
        (w * 3f).Sum().Backward();
        var accumulator = w.Grad!;
        var y = onLeaf ? w : (w * 2f).RetainGrad();
        string described = y.Describe();

        var cases = new (Func<Tensor, Tensor?> Hook, string Start, string Names)[]
        {
            (DoubleOnes, "hook 'DoubleOnes' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor).", "Float64 [2]"),
            (g => Tensor.Ones(3), "hook '<lambda>' has changed the size of value.", "Float32 [3]"),
            (g => Tensor.Ones(2, 1), "hook '<lambda>' has changed the size of value.", "Float32 [2, 1]"),
        };
        foreach (var (hook, start, names) in cases)
        {
            using (y.RegisterHook(hook))
            {
                var e = Assert.ThrowsAny<AutogradException>(() => (y * 3f).Sum().Backward());
                Assert.StartsWith(start, e.Message);
                Assert.Contains(described, e.Message);   // the tensor the hook is registered on
                Assert.Contains(names, e.Message);       // and what the hook returned
                e = Assert.ThrowsAny<AutogradException>(() => Autograd.Grad([(y * 3f).Sum()], [w]));   // the pure path too
                Assert.StartsWith(start, e.Message);
            }
            Assert.Same(accumulator, w.Grad);
            Assert.Equal([3f, 3f], w.Grad!.ToArray());
            if (!onLeaf) Assert.Null(y.Grad);
        }
        (y * 3f).Sum().Backward();   // without the hook the same graph works
        Assert.Equal(onLeaf ? new[] { 6f, 6f } : new[] { 9f, 9f }, w.Grad!.ToArray());
    }

    [Fact]
    public void ADeepChainDoesNotOverflowTheStack()
    {
        // 100,000 steps of y*1.0001+0.0001: 200,000 nodes.
        var x = Tensor.From([0.5f], requiresGrad: true);
        var y = x;
        for (int i = 0; i < 100_000; i++) y = y * 1.0001f + 0.0001f;
        y.Backward();
        // torch_reference.out, "exact float32 values": chain 100000x ... y = 33061.77, x.grad = 22051.885
        AssertClose([33061.76953125f], y, 1e-3f);
        AssertClose([22051.884765625f], x.Grad, 1e-3f);
    }

    [Fact]
    public void ShapeMismatchNamesBothShapes()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(4);
        var e = Assert.Throws<ShapeMismatchException>(() => a + b);
        Assert.IsAssignableFrom<ArgumentException>(e);
        // torch_reference.out, "error texts": a+b shapes [2,3] and [4]
        Assert.StartsWith("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);

        // "matmul [2,3]@[4,5]"
        var me = Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3).MatMul(Tensor.Zeros(4, 5)));
        Assert.StartsWith("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", me.Message);

        // "backward grad shape mismatch: y=x*2 (3,), y.backward(torch.ones(2))"
        var x = Abc();
        var ge = Assert.Throws<ShapeMismatchException>(() => (x * 2f).Backward(Tensor.Ones(2)));
        Assert.StartsWith("Mismatch in shape: grad_output[0] has a shape of [2] and output[0] has a shape of [3].", ge.Message);
    }

    [Fact]
    public void DTypeMismatchThrowsAnArgumentException()
    {
        var f = Tensor.From([1f, 2f]);
        var d = Tensor.From([1.0, 2.0]);
        var e = Assert.Throws<DTypeMismatchException>(() => f + d);
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.Contains("Float32", e.Message);
        Assert.Contains("Float64", e.Message);
        Assert.Throws<DTypeMismatchException>(() => f * Tensor.From([1L, 2L]));
        Assert.Throws<DTypeMismatchException>(() => f.MatMul(d));
    }

    [Fact]
    public void ArgMaxAndArangeReturnInt64()
    {
        var a = Tensor.Arange(5);
        Assert.Equal(DType.Int64, a.DType);
        Assert.Equal("tensor([0, 1, 2, 3, 4])", a.ToString());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, a.ToInt64Array());

        var m = Tensor.From(new float[,] { { 1, 5, 2 }, { 7, 0, 7 } }, requiresGrad: true);
        var am = m.ArgMax(1);
        Assert.Equal(DType.Int64, am.DType);
        Assert.False(am.RequiresGrad);
        Assert.Equal(new long[] { 1, 0 }, am.ToInt64Array());   // first occurrence on ties
        Assert.Equal("tensor([1, 0])", am.ToString());
        Assert.Equal(DType.Int64, m.ArgMax().DType);
        Assert.Equal(3L, m.ArgMax().ToInt64Array()[0]);
    }

    [Fact]
    public void PrintingShowsDTypeAndGradSuffixesLikeTorch()
    {
        // torch_reference.out, "print formatting"
        Assert.Equal("tensor([1., 2., 3.], requires_grad=True)", Abc().ToString());
        Assert.Equal("tensor(2., requires_grad=True)", Tensor.Scalar(2f, requiresGrad: true).ToString());
        Assert.Equal("tensor([[2., 2.],\n        [2., 2.]], grad_fn=<MulBackward0>)", (Tensor.Ones(2, 2).RequiresGrad_() * 2f).ToString());
        Assert.Equal("tensor(3., grad_fn=<SumBackward0>)", Tensor.Ones(3).RequiresGrad_().Sum().ToString());
        var d = Tensor.From([1.0, 2.0], requiresGrad: true);
        Assert.Equal("tensor([1., 2.], dtype=torch.float64, requires_grad=True)", d.ToString());
        Assert.Equal("tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)", (d * 2f).ToString());
        Assert.Equal("tensor([0.1000, 0.2000], dtype=torch.float64)", Tensor.From([0.1, 0.2]).ToString());
        Assert.Equal("tensor([1, 2, 3])", Tensor.From([1L, 2L, 3L]).ToString());
        Assert.Equal("tensor([1., 2., 3.])", Abc().Detach().ToString());
        using (Autograd.NoGrad()) Assert.Equal("tensor([2., 4., 6.])", (Abc() * 2f).ToString());
    }

    [Fact]
    public void Pow_exponent_gradient_is_zero_where_the_base_is_zero()
    {
        // PyTorch 1.13 (/usr/bin/python3): x=[0,2], e=[2,3], (x**e).sum().backward() -> x.grad [0, 12], e.grad [0, 5.5452]
        // (e.grad = x**e * log(x), masked to 0 where x == 0 and e >= 0 instead of 0 * -inf = NaN).
        var x = Tensor.From([0f, 2f], requiresGrad: true);
        var e = Tensor.From([2f, 3f], requiresGrad: true);
        x.Pow(e).Sum().Backward();
        Assert.Equal([0f, 12f], x.Grad!.ToArray());
        var ge = e.Grad!.ToArray();
        Assert.Equal(0f, ge[0]);
        Assert.Equal(8 * MathF.Log(2f), ge[1], 4);
    }

    [Fact]
    public void Pow_base_gradient_is_zero_where_the_exponent_is_zero()
    {
        // PyTorch 1.13 (/usr/bin/python3): x = [0, 1, 2] (float64); x.unsqueeze(1).pow(torch.arange(3).double()).sum()
        // .backward() -> x.grad [1, 3, 5]. pow_backward_self is where(e == 0, 0, g * e * x**(e - 1)), so x = 0, e = 0
        // gives 0, not 0 * 0**-1 = NaN (d/dx x**0 = 0 by hand, too).
        var x = Tensor.From([0.0, 1.0, 2.0], requiresGrad: true);
        x.Unsqueeze(1).Pow(Tensor.Arange(3).To(DType.Float64)).Sum().Backward();
        Assert.Equal([1.0, 3.0, 5.0], x.Grad!.ToDoubleArray());

        // Second derivatives at x = 0 where PyTorch's are finite. PyTorch 1.13: x = [0, 0, 0], e = [1, 2, 3] (float64, both
        // requiring grad); gx, = autograd.grad(x.pow(e).sum(), [x], create_graph=True) -> [1, 0, 0];
        // autograd.grad(gx.sum(), [x, e]) -> ([0, 2, 0], [1, 0, 0]). (At x = 0, e = 0 PyTorch's own second derivative is
        // NaN: its double backward computes 0 * 0**-2.)
        var x0 = Tensor.From([0.0, 0.0, 0.0], requiresGrad: true);
        var e = Tensor.From([1.0, 2.0, 3.0], requiresGrad: true);
        var gx = Autograd.Grad([x0.Pow(e).Sum()], [x0], createGraph: true)[0]!;
        Assert.Equal([1.0, 0.0, 0.0], gx.ToDoubleArray());
        var second = Autograd.Grad([gx.Sum()], [x0, e]);
        Assert.Equal([0.0, 2.0, 0.0], second[0]!.ToDoubleArray());
        Assert.Equal([1.0, 0.0, 0.0], second[1]!.ToDoubleArray());
    }

    [Fact]
    public void Linear_without_bias_transposes_the_weight_with_TBackward0()
    {
        // PyTorch 1.13: F.linear(x, w).grad_fn is MmBackward0 and its next_functions hold TBackward0 for w.
        var w = Tensor.Ones(3, 2).RequiresGrad_();
        var y = Tensor.Linear(Tensor.Ones(4, 2), w);
        Assert.Equal("MmBackward0", y.GradFn!.Name);
        Assert.Equal("TBackward0", y.GradFn.NextFunctions[1]!.Name);
    }

    // Note [Gradient Accumulation]: a gradient the walk created for one leaf alone is stored without a copy. Each
    // test below writes into one stored gradient and checks that no other holder of a gradient sees the write.
    private static void Bump(Tensor t) { using (Autograd.NoGrad()) t.Add_(100f); }

    [Fact]
    public void Leaves_fed_the_same_gradient_tensor_get_separate_grads()
    {
        var a = Tensor.From([1f, 2f], requiresGrad: true);
        var b = Tensor.From([3f, 4f], requiresGrad: true);
        (a + b).Backward(Tensor.From([1f, 1f]));   // AddBackward0 sends the seed itself to both
        Bump(a.Grad!);
        Assert.Equal([1f, 1f], b.Grad!.ToArray());
    }

    [Fact]
    public void A_users_seed_gradient_is_not_stored_as_a_grad()
    {
        var a = Tensor.From([1f, 2f], requiresGrad: true);
        var seed = Tensor.From([5f, 6f]);
        a.Backward(seed);   // a leaf as root: its gradient is the seed itself
        Bump(a.Grad!);
        Assert.Equal([5f, 6f], seed.ToArray());
    }

    [Fact]
    public void A_retained_grad_and_a_leaf_grad_do_not_share_storage()
    {
        var a = Tensor.From([1f, 2f], requiresGrad: true);
        var b = Tensor.From([3f, 4f], requiresGrad: true);
        var h = (a * 2f).RetainGrad();
        (h + b).Backward(Tensor.From([1f, 1f]));
        Bump(b.Grad!);
        Assert.Equal([1f, 1f], h.Grad!.ToArray());
        Assert.Equal([2f, 2f], a.Grad!.ToArray());
    }

    [Fact]
    public void A_gradient_a_hook_saw_is_not_stored_as_the_grad()
    {
        var a = Tensor.From([1f, 2f], requiresGrad: true);
        Tensor? seen = null;
        using var _ = a.RegisterHook(g => { seen = g; return null; });
        (a * 3f).Sum().Backward();
        Bump(a.Grad!);
        Assert.Equal([3f, 3f], seen!.ToArray());
    }

    [Fact]
    public void Fresh_gradients_are_stored_and_accumulate_like_copies()
    {
        var a = Tensor.From([1f, 2f], requiresGrad: true);
        var b = Tensor.From([3f, 4f], requiresGrad: true);
        var loss = (a * 2f + b * 3f).Sum();
        loss.Backward(retainGraph: true);
        var first = a.Grad!;
        loss.Backward();
        Assert.Same(first, a.Grad);                // later backwards add into the stored accumulator
        Assert.Equal([4f, 4f], a.Grad!.ToArray());
        Assert.Equal([6f, 6f], b.Grad!.ToArray());
    }
}
