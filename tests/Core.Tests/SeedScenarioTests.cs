namespace Functional.Tests;

/// <summary>
/// The seed scenarios of the founding issue, one test each, asserting PyTorch's numbers, printed reprs and errors.
/// Every expected value is taken from <c>Reference/torch_reference.out</c> (PyTorch 1.13, produced by
/// <c>Reference/torch_reference.py</c> run with <c>/usr/bin/python3</c>); the section of that file is named in each
/// test. Full-precision float32 values come from its "exact float32 values (tolist)" section.
/// </summary>
public class SeedScenarioTests
{
    // torch_reference.out, "exact float32 values (tolist)": s1 a.grad
    private static readonly float[] SigmoidGrad = [0.1966119259595871f, 0.10499362647533417f, 0.04517665505409241f];

    private static void AssertClose(float[] expected, Tensor? actual, float tol = 1e-4f) =>
        TensorAssert.Close(expected, actual, absolute: tol);

    private static Tensor Abc() => Tensor.From([1f, 2f, 3f], requiresGrad: true);

    /// <summary>Runs <paramref name="body"/> and returns the autograd warnings raised on this thread meanwhile.</summary>
    private static List<string> CaptureWarnings(Action body)
    {
        var seen = new List<string>();
        int thread = Environment.CurrentManagedThreadId;
        void OnWarning(string m) { if (Environment.CurrentManagedThreadId == thread) seen.Add(m); }
        Autograd.Warning += OnWarning;
        try { body(); }
        finally { Autograd.Warning -= OnWarning; }
        return seen;
    }

    [Fact]
    public void Scenario01_SigmoidBackward()
    {
        // torch_reference.out, "scenario 1: sigmoid backward"
        var a = Abc();
        Assert.Equal("tensor([1., 2., 3.], requires_grad=True)", a.ToString());
        Assert.Null(a.Grad);

        var @out = a.Sigmoid();
        Assert.Equal("tensor([0.7311, 0.8808, 0.9526], grad_fn=<SigmoidBackward0>)", @out.ToString());
        // "exact float32 values (tolist)": s1 sigmoid([1,2,3])
        AssertClose([0.7310585975646973f, 0.8807970285415649f, 0.9525741338729858f], @out);

        @out.Sum().Backward();
        AssertClose(SigmoidGrad, a.Grad);
        AssertClose([0.1966f, 0.1050f, 0.0452f], a.Grad);
        Assert.Equal("tensor([0.1966, 0.1050, 0.0452])", a.Grad!.ToString());
    }

    [Fact]
    public void Scenario02_DetachSharesStorageButNotHistory()
    {
        // torch_reference.out, "scenario 2: detach shares storage"
        var a = Abc();
        var @out = a.Sigmoid();
        var c = @out.Detach();
        Assert.Equal("tensor([0.7311, 0.8808, 0.9526])", c.ToString());
        Assert.Null(c.GradFn);
        Assert.False(c.RequiresGrad);
        Assert.True(c.IsLeaf);

        @out.Sum().Backward();
        AssertClose(SigmoidGrad, a.Grad);

        var e = Assert.Throws<NoGradFnException>(() => c.Sum().Backward());
        Assert.StartsWith("element 0 of tensors does not require grad and does not have a grad_fn", e.Message);
        AssertClose(SigmoidGrad, a.Grad);   // the failed backward changed nothing

        // data_ptr equal: True — a write through c is a write to out's storage.
        c[1] = 5f;
        Assert.Equal(5f, @out.ToArray()[1]);
        Assert.Equal(1, @out.Version);
    }

    [Fact]
    public void Scenario03_TrackedWriteThroughDetachMakesBackwardFail()
    {
        // torch_reference.out, "scenario 3: detach + zero_ then backward"
        var a = Abc();
        var @out = a.Sigmoid();
        var c = @out.Detach();
        Assert.Equal(0, @out.Version);
        Assert.Equal(0, c.Version);

        var zeroed = c.Zero_();
        Assert.Same(c, zeroed);   // c does not require grad: nothing records, the receiver is returned
        Assert.Equal("tensor([0., 0., 0.])", c.ToString());
        Assert.Equal("tensor([0., 0., 0.], grad_fn=<SigmoidBackward0>)", @out.ToString());
        Assert.Equal(1, @out.Version);
        Assert.Equal(1, c.Version);

        var e = Assert.Throws<VersionMismatchException>(() => @out.Sum().Backward());
        // PyTorch prints the tensor type as [torch.FloatTensor [3]]; DESIGN.md chose [Float [3]].
        Assert.StartsWith("one of the variables needed for gradient computation has been modified by an inplace operation: [Float [3]], " +
                          "which is output 0 of SigmoidBackward0, is at version 1; expected version 0 instead.", e.Message);
        Assert.Equal("SigmoidBackward0", e.Producer);
        Assert.Equal(0, e.SavedVersion);
        Assert.Equal(1, e.CurrentVersion);
        Assert.Null(a.Grad);   // a failed backward changes no accumulator
    }

    [Fact]
    public void Scenario04_WriteThroughDataIsInvisibleToAutograd()
    {
        // torch_reference.out, "scenario 4: .data + zero_ then backward"
        var a = Abc();
        var @out = a.Sigmoid();
        var c = @out.Data;
        Assert.Null(c.GradFn);
        Assert.False(c.RequiresGrad);

        c.Zero_();
        Assert.Equal("tensor([0., 0., 0.])", c.ToString());
        Assert.Equal("tensor([0., 0., 0.], grad_fn=<SigmoidBackward0>)", @out.ToString());
        Assert.Equal(0, @out.Version);
        Assert.Equal(1, c.Version);

        @out.Sum().Backward();   // NO ERROR: the silently wrong gradient is .data's documented price
        AssertClose([0f, 0f, 0f], a.Grad);
        Assert.Equal("tensor([0., 0., 0.])", a.Grad!.ToString());
    }

    [Fact]
    public void Scenario05_WriteToAnOutputNoRuleSavedDoesNotMatter()
    {
        // torch_reference.out, "scenario 5a: out=a.sigmoid().sum(); write through out.detach()"
        var a = Abc();
        var @out = a.Sigmoid().Sum();
        @out.Detach().Zero_();
        Assert.Equal("tensor(0., grad_fn=<SumBackward0>)", @out.ToString());
        Assert.Equal(1, @out.Version);
        @out.Backward();   // SumBackward0 saved nothing, SigmoidBackward0 saved the unmodified sigmoid output
        AssertClose(SigmoidGrad, a.Grad);

        // "scenario 5b: out=a.sigmoid().sum(); write through out.data"
        var b = Abc();
        var out2 = b.Sigmoid().Sum();
        out2.Data.Zero_();
        Assert.Equal("tensor(0., grad_fn=<SumBackward0>)", out2.ToString());
        Assert.Equal(0, out2.Version);
        out2.Backward();
        AssertClose(SigmoidGrad, b.Grad);
        Assert.Equal("tensor([0.1966, 0.1050, 0.0452])", b.Grad!.ToString());
    }

    [Fact]
    public void Scenario06_WritesThroughDetachAreVisibleInTheOriginal()
    {
        // torch_reference.out, "scenario 6: writes through detach visible in original"
        var x = Abc();
        var y = x * 2f;
        Assert.Equal(0, y.Version);
        var z = y.Detach();
        z[0] = 100f;
        Assert.Equal("tensor([100.,   4.,   6.], grad_fn=<MulBackward0>)", y.ToString());
        Assert.Equal("tensor([100.,   4.,   6.])", z.ToString());
        Assert.Equal(1, y.Version);
        Assert.Equal(1, z.Version);

        var w = y.Detach().Clone();
        w[1] = -1f;
        Assert.Equal("tensor([100.,  -1.,   6.])", w.ToString());
        Assert.Equal("tensor([100.,   4.,   6.], grad_fn=<MulBackward0>)", y.ToString());
        Assert.Equal(1, y.Version);
    }

    [Fact]
    public void Scenario07_GradLivesOnLeavesRetainGradAndHooks()
    {
        // torch_reference.out, "scenario 7a: seed 004 x2**w1, w2*y2+1"
        var x2 = Tensor.From([0.5f], requiresGrad: true);
        var w1 = Tensor.From([2f], requiresGrad: true);
        var w2 = Tensor.From([2f], requiresGrad: true);
        var y2 = x2.Pow(w1);
        var z2 = w2 * y2 + 1f;
        Assert.Equal("tensor([0.2500], grad_fn=<PowBackward1>)", y2.ToString());
        Assert.Equal("tensor([1.5000], grad_fn=<AddBackward0>)", z2.ToString());
        z2.Backward();
        // "exact float32 values (tolist)": s7a x2.grad, w1.grad, w2.grad
        AssertClose([2f], x2.Grad);
        AssertClose([-0.3465735912322998f], w1.Grad);
        AssertClose([0.25f], w2.Grad);
        Assert.Equal("tensor([-0.3466])", w1.Grad!.ToString());
        Assert.Equal("tensor([0.2500])", w2.Grad!.ToString());

        // y2.grad: None, with PyTorch's UserWarning — raised once per handle.
        Tensor? g1 = null, g2 = null, gz = null;
        var warnings = CaptureWarnings(() => { g1 = y2.Grad; g2 = y2.Grad; });
        Assert.Null(g1);
        Assert.Null(g2);
        Assert.Equal(new[] { Autograd.NonLeafGradWarning }, warnings);
        Assert.StartsWith("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.", Autograd.NonLeafGradWarning);
        warnings = CaptureWarnings(() => gz = z2.Grad);   // another handle warns once too
        Assert.Null(gz);
        Assert.Equal(new[] { Autograd.NonLeafGradWarning }, warnings);

        // "scenario 7b: with y2.retain_grad()"
        x2 = Tensor.From([0.5f], requiresGrad: true);
        y2 = x2.Pow(w1);
        Assert.Same(y2, y2.RetainGrad());
        (w2 * y2 + 1f).Backward();
        AssertClose([2f], y2.Grad);
        AssertClose([2f], x2.Grad);
        Assert.Empty(CaptureWarnings(() => _ = y2.Grad));

        // "scenario 7c: hook on y2 doubling gradient" ("exact float32 values": s7c)
        x2 = Tensor.From([0.5f], requiresGrad: true);
        var v1 = Tensor.From([2f], requiresGrad: true);
        var v2 = Tensor.From([2f], requiresGrad: true);
        y2 = x2.Pow(v1);
        var handle = y2.RegisterHook(g => g * 2f);
        z2 = v2 * y2 + 1f;
        z2.Backward(retainGraph: true);
        AssertClose([4f], x2.Grad);
        AssertClose([-0.6931471824645996f], v1.Grad);
        AssertClose([0.25f], v2.Grad);
        Assert.Equal("tensor([-0.6931])", v1.Grad!.ToString());

        // Disposing the handle removes the hook: the same graph now gives the plain gradient.
        handle.Dispose();
        x2.Grad = null; v1.Grad = null; v2.Grad = null;
        z2.Backward();
        AssertClose([2f], x2.Grad);
        AssertClose([-0.3465735912322998f], v1.Grad);
        AssertClose([0.25f], v2.Grad);
    }

    [Fact]
    public void Scenario08_FreedGraphRetainGraphAndCreateGraph()
    {
        // torch_reference.out, "scenario 8a: backward twice"
        var x = Abc();
        var y = x.Sigmoid().Sum();
        y.Backward();
        AssertClose(SigmoidGrad, x.Grad);
        var e = Assert.Throws<GraphFreedException>(() => y.Backward());
        Assert.StartsWith("Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed).", e.Message);
        AssertClose(SigmoidGrad, x.Grad);

        // "scenario 8b: retain_graph=True twice" ("exact float32 values": s8b)
        x = Abc();
        y = x.Sigmoid().Sum();
        y.Backward(retainGraph: true);
        AssertClose(SigmoidGrad, x.Grad);
        y.Backward(retainGraph: true);
        AssertClose([0.3932238519191742f, 0.20998725295066833f, 0.09035331010818481f], x.Grad);
        Assert.Equal("tensor([0.3932, 0.2100, 0.0904])", x.Grad!.ToString());

        // "scenario 8d": SumBackward0 saves nothing, so a second walk works (as in PyTorch).
        x = Abc();
        y = x.Sum();
        y.Backward();
        y.Backward();
        AssertClose([2f, 2f, 2f], x.Grad);

        // "scenario 8e": MulBackward0 by a Python scalar saves it, so the second walk fails.
        x = Abc();
        y = (x * 2f).Sum();
        y.Backward();
        Assert.Throws<GraphFreedException>(() => y.Backward());
        AssertClose([2f, 2f, 2f], x.Grad);

        // "scenario 8c: create_graph": d/dx sum(x^3) = 3x^2, then d/dx sum(3x^2) = 6x.
        x = Abc();
        y = x.Pow(3f).Sum();
        var g = Autograd.Grad([y], [x], createGraph: true)[0];
        Assert.NotNull(g);
        Assert.Equal("tensor([ 3., 12., 27.], grad_fn=<MulBackward0>)", g!.ToString());
        Assert.Null(x.Grad);
        g.Sum().Backward();
        AssertClose([6f, 12f, 18f], x.Grad);
        Assert.Equal("tensor([ 6., 12., 18.])", x.Grad!.ToString());
    }

    [Fact]
    public void Scenario09_NonScalarBackwardNeedsAGradient()
    {
        // torch_reference.out, "scenario 9: non-scalar backward"
        var x = Abc();
        var y = x * 2f;
        var e = Assert.Throws<NonScalarBackwardException>(() => y.Backward());
        Assert.StartsWith("grad can be implicitly created only for scalar outputs", e.Message);
        Assert.Null(x.Grad);

        y.Backward(Tensor.From([1f, 0.1f, 0.01f]));
        AssertClose([2f, 0.2f, 0.02f], x.Grad, 1e-6f);
        Assert.Equal("tensor([2.0000, 0.2000, 0.0200])", x.Grad!.ToString());
    }

    [Fact]
    public void Scenario10_InPlaceOnALeafThatRequiresGrad()
    {
        // torch_reference.out, "scenario 10: in-place on leaf requiring grad"
        const string leaf = "a leaf Variable that requires grad is being used in an in-place operation.";
        const string view = "a view of a leaf Variable that requires grad is being used in an in-place operation.";
        var a = Abc();
        Assert.StartsWith(leaf, Assert.Throws<LeafInPlaceException>(() => a.Zero_()).Message);
        Assert.StartsWith(leaf, Assert.Throws<LeafInPlaceException>(() => a.Add_(1f)).Message);
        Assert.StartsWith(view, Assert.Throws<LeafInPlaceException>(() => a[0] = 5f).Message);
        Assert.StartsWith(view, Assert.Throws<LeafInPlaceException>(() => a.Reshape(3).Slice(0, 0, 1).Mul_(2f)).Message);
        Assert.StartsWith(view, Assert.Throws<LeafInPlaceException>(() => a.Slice(0, 0, 1).Mul_(2f)).Message);
        Assert.Equal("tensor([1., 2., 3.], requires_grad=True)", a.ToString());
        Assert.Equal(0, a.Version);

        Tensor r;
        using (Autograd.NoGrad()) r = a.Zero_();
        Assert.Same(a, r);
        Assert.Equal(1, a.Version);
        Assert.False(a.IsSuperseded);
        Assert.Equal("tensor([0., 0., 0.], requires_grad=True)", a.ToString());
    }

    [Fact]
    public void Scenario11_DetachInPlaceLeavesBuiltGraphsAlone()
    {
        // torch_reference.out, "scenario 11a: detach_ on non-saved intermediate"
        var x = Tensor.From([1f, 1f], requiresGrad: true);
        var m = x * 3f;
        var y = (m * 2f).Sum();
        var md = m.Detach_();
        y.Backward();   // graphs already built are untouched
        Assert.Equal("tensor([6., 6.])", x.Grad!.ToString());
        Assert.Null(md.GradFn);
        Assert.False(md.RequiresGrad);
        Assert.True(md.IsLeaf);
        Assert.Equal("tensor([3., 3.])", md.ToString());
        Assert.True(m.IsSuperseded);
        Assert.Equal(new[] { 3f, 3f }, m.ToArray());   // reading the superseded handle is fine
        Assert.Throws<SupersededTensorException>(() => m * 2f);

        // "scenario 11b: detach_ on saved intermediate (m*m)": PyTorch 1.13 fails there with
        // "saved_for INTERNAL ASSERT FAILED ... No grad_fn for non-leaf saved tensor". Functional's saved tensor keeps the
        // handle it saved (handles are immutable), so backward gives the correct gradient 2*m*3 = 18.
        x = Tensor.From([1f, 1f], requiresGrad: true);
        m = x * 3f;
        y = (m * m).Sum();
        md = m.Detach_();
        y.Backward();
        Assert.Equal("tensor([18., 18.])", x.Grad!.ToString());
        Assert.Equal("tensor([3., 3.])", md.ToString());
        Assert.Null(md.GradFn);
    }
}
