namespace Functional.Tests;

/// <summary>
/// The public custom-function API (<see cref="Function"/>, PyTorch's <c>torch.autograd.Function</c>): a node it records
/// behaves as a built-in op's. Expected numbers: softsign x / (1 + |x|) and its derivatives 1 / (1 + |x|)² and
/// -2·sign(x) / (1 + |x|)³, printed by PyTorch 1.13 (<c>F.softsign</c>, autograd.grad with create_graph) and equal to
/// the hand derivation. The same op is defined in F# in the DSL tests (another assembly) and gradchecked there.
/// </summary>
public class FunctionTests
{
    private sealed class Softsign() : Function("SoftsignBackward0")
    {
        public int ForwardGradMode = -1;

        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            ForwardGradMode = Autograd.IsGradEnabled ? 1 : 0;
            ctx.Save("x", inputs[0]);
            return inputs[0] / (1f + inputs[0].Abs());
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad)
        {
            var d = 1f + ctx["x"].Abs();
            return [grad / (d * d)];
        }
    }

    /// <summary>y = x * w with both saved, the output saved as well (to test saving the output), and a setting.</summary>
    private sealed class ScaledProduct(float scale) : Function("ScaledProductBackward")
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs)
        {
            var y = inputs[0] * inputs[1] * scale;
            ctx.Save("a", inputs[0]);
            ctx.Save("b", inputs[1]);
            ctx.Save("y", y);
            ctx.Set("scale", scale);
            ctx.Set("needs", (ctx.NeedsInputGrad(0), ctx.NeedsInputGrad(1)));
            return y;
        }

        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad)
        {
            _ = ctx["y"];   // reading the output checks its version too
            var s = ctx.Get<float>("scale");
            return [ctx.NeedsInputGrad(0) ? grad * ctx["b"] * s : null, ctx.NeedsInputGrad(1) ? grad * ctx["a"] * s : null];
        }
    }

    private sealed class WrongCount() : Function("WrongCountBackward")
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0] * 2f;
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad) => [grad, grad];
    }

    private sealed class WrongShape() : Function("WrongShapeBackward")
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0] * 2f;
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad) => [Tensor.Ones([5], DType.Float64)];
    }

    private sealed class BroadcastGrad() : Function("BroadcastGradBackward")
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0].Clone();
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad) => [grad.Unsqueeze(0).Expand(4, 3)];   // [4, 3] for a [3] input
    }

    private static Tensor X() => Tensor.From([-2.0, -0.5, 0, 1, 3], requiresGrad: true);

    [Fact]
    public void A_custom_op_records_its_node_and_gives_PyTorchs_values_and_gradient()
    {
        var f = new Softsign();
        var x = X();
        var y = f.Apply(x);
        Assert.Equal("SoftsignBackward0", y.GradFn!.Name);
        Assert.Equal(0, f.ForwardGradMode);   // Forward runs with grad mode off
        TensorAssert.Close([-2.0 / 3, -1.0 / 3, 0, 0.5, 0.75], y.ToDoubleArray(), 1e-15);
        y.Sum().Backward();
        TensorAssert.Close([1.0 / 9, 4.0 / 9, 1, 0.25, 0.0625], x.Grad!.ToDoubleArray(), 1e-15);
    }

    [Fact]
    public void Its_backward_is_differentiable_under_createGraph()
    {
        var x = X();
        var g = Autograd.Grad([new Softsign().Apply(x).Sum()], [x], createGraph: true)[0]!;
        Assert.True(g.RequiresGrad);
        g.Sum().Backward();
        TensorAssert.Close([2.0 / 27, 16.0 / 27, 0, -0.25, -0.03125], x.Grad!.ToDoubleArray(), 1e-15);
    }

    [Fact]
    public void It_passes_gradcheck()
    {
        var x = Tensor.From([-1.7, -0.4, 0.3, 0.9, 2.5], requiresGrad: true);
        GradCheck.Check(xs => new Softsign().Apply(xs[0]), x);
        GradCheck.CheckSecondOrder(xs => new Softsign().Apply(xs[0]), x);
    }

    [Fact]
    public void A_saved_input_written_in_place_fails_backward_with_the_version_message()
    {
        var x = X();
        var h = x * 1f;
        var y = new Softsign().Apply(h);
        using (Autograd.NoGrad()) h.Add_(1f);
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.Contains("is at version 1; expected version 0 instead", e.Message);
        Assert.Null(x.Grad);   // a failed backward changes no accumulator
    }

    [Fact]
    public void A_saved_output_written_in_place_fails_too_and_names_the_function()
    {
        var a = X();
        var b = Tensor.From([1.0, 2, 3, 4, 5]);
        var y = new ScaledProduct(2f).Apply(a, b);
        var z = y.Sum();
        using (Autograd.NoGrad()) y.Mul_(3f);
        var e = Assert.Throws<VersionMismatchException>(() => z.Backward());
        Assert.Contains("ScaledProductBackward", e.Message);
    }

    [Fact]
    public void A_second_backward_needs_retainGraph()
    {
        var x = X();
        var loss = new Softsign().Apply(x).Sum();
        loss.Backward();
        Assert.Throws<GraphFreedException>(() => loss.Backward());

        var x2 = X();
        var loss2 = new Softsign().Apply(x2).Sum();
        loss2.Backward(retainGraph: true);
        loss2.Backward();
        TensorAssert.Close([2.0 / 9, 8.0 / 9, 2, 0.5, 0.125], x2.Grad!.ToDoubleArray(), 1e-15);
    }

    [Fact]
    public void Hooks_and_retained_grads_see_its_output_gradient()
    {
        var x = X();
        var y = new Softsign().Apply(x).RetainGrad();
        Tensor? seen = null;
        using var _ = y.RegisterHook(g => { seen = g; return g * 2f; });
        (y * 3f).Sum().Backward();
        Assert.Equal([3.0, 3, 3, 3, 3], seen!.ToDoubleArray());
        Assert.Equal([6.0, 6, 6, 6, 6], y.Grad!.ToDoubleArray());
        TensorAssert.Close([6.0 / 9, 24.0 / 9, 6, 1.5, 0.375], x.Grad!.ToDoubleArray(), 1e-15);
    }

    [Fact]
    public void Only_inputs_that_require_grad_get_one_and_settings_reach_the_backward()
    {
        var a = X();
        var b = Tensor.From([1.0, 2, 3, 4, 5]);
        var y = new ScaledProduct(2f).Apply(a, b);
        Assert.Equal("ScaledProductBackward", y.GradFn!.Name);
        Assert.Single(y.GradFn.NextFunctions, n => n is not null);
        y.Sum().Backward();
        Assert.Equal([2.0, 4, 6, 8, 10], a.Grad!.ToDoubleArray());   // d(2ab)/da = 2b
    }

    [Fact]
    public void Under_NoGrad_or_without_grad_inputs_nothing_is_recorded()
    {
        var x = X();
        using (Autograd.NoGrad()) Assert.Null(new Softsign().Apply(x).GradFn);
        var plain = new Softsign().Apply(Tensor.From([1.0, 2]));
        Assert.Null(plain.GradFn);
        Assert.False(plain.RequiresGrad);
    }

    [Fact]
    public void A_wrong_number_of_gradients_is_refused_with_the_function_named()
    {
        var x = X();
        var e = Assert.Throws<AutogradException>(() => new WrongCount().Apply(x).Sum().Backward());
        Assert.Contains("function WrongCountBackward returned an incorrect number of gradients (expected 1, got 2)", e.Message);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void A_gradient_of_the_wrong_shape_is_refused_and_a_broadcast_one_is_summed_back()
    {
        var x = Tensor.From([1.0, 2, 3], requiresGrad: true);
        var e = Assert.Throws<AutogradException>(() => new WrongShape().Apply(x).Sum().Backward());
        Assert.Contains("returned an invalid gradient at index 0 - got [5] but expected shape compatible with [3]", e.Message);

        var v = Tensor.From([1.0, 2, 3], requiresGrad: true);
        new BroadcastGrad().Apply(v).Sum().Backward();
        Assert.Equal([4.0, 4, 4], v.Grad!.ToDoubleArray());   // four rows of ones summed back to [3]
    }

    [Fact]
    public void Saving_outside_Forward_and_reading_an_unknown_name_are_clear_errors()
    {
        FunctionContext? kept = null;
        var f = new Capture(c => kept = c);
        var x = X();
        f.Apply(x).Sum().Backward();
        var e = Assert.Throws<InvalidOperationException>(() => kept!.Save("late", x));
        Assert.Contains("only be saved or set while Forward runs", e.Message);
        Assert.Throws<KeyNotFoundException>(() => kept!.Get<int>("missing"));
    }

    private sealed class Capture(Action<FunctionContext> keep) : Function("CaptureBackward")
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) { keep(ctx); return inputs[0] * 1f; }
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad) => [grad];
    }
}
