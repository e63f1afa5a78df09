namespace Functional.Tests;

/// <summary>
/// Autograd.DetectAnomaly. The messages' first sentence is PyTorch 1.13's (<c>Reference/torch_anomaly.py</c> and its
/// <c>.out</c>: sqrt(-1), 0*inf on either input, float64, autograd.grad). PyTorch lets infinities through (log(0) and
/// sqrt(0) give "no error" there); we refuse them as well (docs/graphs.md). Which values are NaN or Inf is hand derived:
/// d sqrt(x) = 1/(2 sqrt x), d log(x) = 1/x, d(x*y)/dx = y.
/// </summary>
public class AnomalyModeTests
{
    private static AnomalyException Fails(Action backward) => Assert.Throws<AnomalyException>(backward);

    [Fact]
    public void Off_by_default_and_then_a_nan_gradient_passes_silently()
    {
        Assert.False(Autograd.IsAnomalyEnabled);
        var x = Tensor.From([-1f, 4f], requiresGrad: true);
        x.Sqrt().Sum().Backward();
        Assert.True(float.IsNaN(x.Grad!.ToArray()[0]));
        Assert.Equal(0.25f, x.Grad!.ToArray()[1]);
    }

    [Fact]
    public void A_nan_gradient_names_the_op_like_PyTorch()
    {
        using var _ = Autograd.DetectAnomaly();
        var x = Tensor.From([-1f, 4f], requiresGrad: true);
        var e = Fails(() => x.Sqrt().Sum().Backward());
        Assert.StartsWith("Function 'SqrtBackward0' returned nan values in its 0th output.", e.Message);
        Assert.Equal(("SqrtBackward0", 0, "nan"), (e.NodeName, e.InputIndex, e.Kind));
        Assert.IsAssignableFrom<AutogradException>(e);
    }

    [Fact]
    public void The_message_says_where_the_forward_created_the_node()
    {
        using var _ = Autograd.DetectAnomaly();
        var x = Tensor.From([-1f, 4f], requiresGrad: true);
        var y = x.Sqrt();
        var e = Fails(() => y.Sum().Backward());
        Assert.NotNull(e.ForwardSite);
        Assert.Contains($"{nameof(AnomalyModeTests)}.{nameof(The_message_says_where_the_forward_created_the_node)}", e.ForwardSite);
        Assert.Matches(@"in AnomalyModeTests\.cs:line \d+$", e.ForwardSite);
        Assert.Contains($"The forward op that created SqrtBackward0 ran at {e.ForwardSite}.", e.Message);
    }

    [Fact]
    public void Zero_times_inf_is_caught_at_the_op_that_multiplied()
    {
        using var _ = Autograd.DetectAnomaly();
        var x = Tensor.From([0f, 1f], requiresGrad: true);
        var y = Tensor.From([float.PositiveInfinity, 1f], requiresGrad: true);
        var xy = x * y;                  // d/dy = x = 0 (fine); d/dx = y = inf, times the incoming 0 = nan
        var e = Fails(() => (xy * 0f).Sum().Backward());
        Assert.StartsWith("Function 'MulBackward0' returned nan values in its 0th output.", e.Message);

        var a = Tensor.From([float.PositiveInfinity, 1f], requiresGrad: true);
        var b = Tensor.From([0f, 1f], requiresGrad: true);
        var e1 = Fails(() => (a * b * 0f).Sum().Backward());
        Assert.StartsWith("Function 'MulBackward0' returned nan values in its 1th output.", e1.Message);
        Assert.Equal(1, e1.InputIndex);
    }

    [Fact]
    public void An_infinite_gradient_is_refused_too()
    {
        using var _ = Autograd.DetectAnomaly();
        var x = Tensor.From([0f, 1f], requiresGrad: true);
        var e = Fails(() => x.Log().Sum().Backward());          // 1/0 = inf (PyTorch: no error)
        Assert.StartsWith("Function 'LogBackward0' returned inf values in its 0th output.", e.Message);
        Assert.Equal("inf", e.Kind);
        var z = Tensor.From([0f, 1f], requiresGrad: true);
        Assert.Equal("SqrtBackward0", Fails(() => z.Sqrt().Sum().Backward()).NodeName);   // 1/(2*0)
    }

    [Fact]
    public void Float64_gradients_are_checked()
    {
        using var _ = Autograd.DetectAnomaly();
        var x = Tensor.From([-1.0, 4.0], requiresGrad: true);
        Assert.StartsWith("Function 'SqrtBackward0' returned nan values in its 0th output.", Fails(() => x.Sqrt().Sum().Backward()).Message);
    }

    [Fact]
    public void Autograd_Grad_is_checked_too()
    {
        using var _ = Autograd.DetectAnomaly();
        var x = Tensor.From([-1f, 4f], requiresGrad: true);
        var e = Fails(() => Autograd.Grad([x.Sqrt().Sum()], [x]));
        Assert.Equal("SqrtBackward0", e.NodeName);
    }

    [Fact]
    public void Finite_gradients_are_unchanged_by_anomaly_mode()
    {
        var x = Tensor.From([1f, 4f], requiresGrad: true);
        using (Autograd.DetectAnomaly()) (x.Sqrt() * x.Log()).Sum().Backward();
        var y = Tensor.From([1f, 4f], requiresGrad: true);
        (y.Sqrt() * y.Log()).Sum().Backward();
        Assert.Equal(y.Grad!.ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void A_failed_backward_leaves_accumulators_and_retained_grads_as_they_were()
    {
        var x = Tensor.From([-1f, 4f], requiresGrad: true);
        var w = Tensor.From([2f, 3f], requiresGrad: true);
        (x * w).Sum().Backward();
        var xGrad = x.Grad!;
        var wGrad = w.Grad!;
        float[] xBefore = xGrad.ToArray(), wBefore = wGrad.ToArray();
        using (Autograd.DetectAnomaly())
        {
            var h = (x * w).RetainGrad();
            Fails(() => (h.Sqrt() + w).Sum().Backward());   // SqrtBackward0 fails after AddBackward0 ran
            Assert.Null(h.Grad);
        }
        Assert.Same(xGrad, x.Grad);
        Assert.Same(wGrad, w.Grad);
        Assert.Equal(xBefore, x.Grad!.ToArray());
        Assert.Equal(wBefore, w.Grad!.ToArray());
    }

    [Fact]
    public void A_node_recorded_with_anomaly_mode_off_says_its_forward_site_is_unknown()
    {
        var x = Tensor.From([-1f, 4f], requiresGrad: true);
        var y = x.Sqrt().Sum(); int line = new System.Diagnostics.StackFrame(0, true).GetFileLineNumber();
        using var _ = Autograd.DetectAnomaly();
        var e = Fails(() => y.Backward());
        Assert.Null(e.ForwardSite);
        // the op's compile-time call site (issue 8's CallSite) still says where: this line
        Assert.Contains($"SqrtBackward0 was recorded while anomaly detection was off (its op was called at AnomalyModeTests.cs:{line})", e.Message);
    }

    [Fact]
    public void Scopes_nest_and_restore_the_previous_setting()
    {
        Assert.False(Autograd.IsAnomalyEnabled);
        using (Autograd.DetectAnomaly())
        {
            Assert.True(Autograd.IsAnomalyEnabled);
            using (Autograd.SetDetectAnomaly(false))
            {
                Assert.False(Autograd.IsAnomalyEnabled);
                var x = Tensor.From([-1f], requiresGrad: true);
                x.Sqrt().Sum().Backward();                    // off inside: no check
                Assert.True(float.IsNaN(x.Grad!.Item()));
            }
            Assert.True(Autograd.IsAnomalyEnabled);
        }
        Assert.False(Autograd.IsAnomalyEnabled);
    }

    [Fact]
    public void Disposing_a_scope_twice_restores_only_once()
    {
        var outer = Autograd.DetectAnomaly();
        var inner = Autograd.SetDetectAnomaly(false);
        inner.Dispose();
        Assert.True(Autograd.IsAnomalyEnabled);
        outer.Dispose();
        inner.Dispose();                                      // no effect any more
        Assert.False(Autograd.IsAnomalyEnabled);
    }

    [Fact]
    public void The_setting_is_per_thread()
    {
        using var _ = Autograd.DetectAnomaly();
        bool other = true;
        Exception? error = null;
        var t = new Thread(() =>
        {
            other = Autograd.IsAnomalyEnabled;
            try
            {
                var x = Tensor.From([-1f], requiresGrad: true);
                x.Sqrt().Sum().Backward();                    // not checked on this thread
            }
            catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        Assert.False(other);
        Assert.Null(error);
        Assert.True(Autograd.IsAnomalyEnabled);
    }

    [Fact]
    public void Forward_sites_are_recorded_only_in_anomaly_mode()
    {
        var x = Tensor.From([1f], requiresGrad: true);
        Assert.Null(((FunctionNode)x.Exp().GradFn!).ForwardSite);
        using var _ = Autograd.DetectAnomaly();
        Assert.Contains(nameof(Forward_sites_are_recorded_only_in_anomaly_mode), ((FunctionNode)x.Exp().GradFn!).ForwardSite);
    }
}
