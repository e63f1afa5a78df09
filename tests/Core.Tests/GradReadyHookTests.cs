namespace Functional.Tests;

/// <summary>
/// The leaf gradient-ready hook (<see cref="Tensor.RegisterGradReadyHook"/>, Note [Gradient Ready]): it fires during
/// Backward once a leaf's gradient for that walk is complete, before the walk ends; the accumulators keep the
/// all-or-nothing rule, and a walk that fails later cancels <see cref="GradReady.Abandoned"/>. Expected gradients are
/// hand-derived (d/dw of sum(w * x) is x).
/// </summary>
public class GradReadyHookTests
{
    /// <summary>Identity whose backward reports that it ran, or throws: a node below the leaves' in the walk.</summary>
    private sealed class Probe(Action onBackward) : Function("ProbeBackward")
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] inputs) => inputs[0] * 1f;
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor grad) { onBackward(); return [grad]; }
    }

    // loss = sum(w1 * probe(w0 * x)): w1's gradient is complete as soon as the product's node ran, before the probe's
    // backward (which comes later in the walk) and long before w0's.
    private static (Tensor W0, Tensor W1, Tensor Loss) Graph(Action onProbe)
    {
        var w0 = Tensor.From([1.0, 2.0], requiresGrad: true);
        var w1 = Tensor.From([3.0, -1.0], requiresGrad: true);
        var x = Tensor.From([0.5, 4.0]);
        var h = new Probe(onProbe).Apply(w0 * x);
        return (w0, w1, (w1 * h).Sum());
    }

    [Fact]
    public void It_fires_for_a_leaf_before_the_walk_is_over_with_the_gradient_not_yet_in_Grad()
    {
        var events = new List<string>();
        var (w0, w1, loss) = Graph(() => events.Add("probe backward"));
        Tensor? seen = null;
        bool grad_was_null = false;
        CancellationToken token = default;
        using var _ = w1.RegisterGradReadyHook(r =>
        {
            events.Add("w1 ready");
            Assert.Same(w1, r.Leaf);
            seen = r.Gradient;
            grad_was_null = w1.Grad is null;
            token = r.Abandoned;
        });
        using var __ = w0.RegisterGradReadyHook(r => events.Add("w0 ready"));
        loss.Backward();
        Assert.Equal(["w1 ready", "probe backward", "w0 ready"], events);
        Assert.True(grad_was_null);                                  // the accumulator is committed only at the end
        Assert.Equal([0.5, 8.0], seen!.ToDoubleArray());             // h = w0 * x = [0.5, 8]
        Assert.Equal([0.5, 8.0], w1.Grad!.ToDoubleArray());
        Assert.Equal([1.5, -4.0], w0.Grad!.ToDoubleArray());         // w1 * x
        Assert.False(token.IsCancellationRequested);
    }

    [Fact]
    public void A_walk_that_fails_after_the_hook_cancels_its_token_and_changes_no_accumulator()
    {
        var (w0, w1, loss) = Graph(() => throw new InvalidOperationException("probe failed"));
        CancellationToken token = default;
        bool fired = false;
        using var _ = w1.RegisterGradReadyHook(r => { fired = true; token = r.Abandoned; });
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Equal("probe failed", e.Message);
        Assert.True(fired);
        Assert.True(token.IsCancellationRequested);
        Assert.Null(w1.Grad);
        Assert.Null(w0.Grad);
    }

    [Fact]
    public void A_hook_that_throws_fails_the_backward_and_leaves_every_Grad_as_it_was()
    {
        var (w0, w1, loss) = Graph(() => { });
        w0.Grad = Tensor.From([10.0, 10.0]);
        using var _ = w1.RegisterGradReadyHook(_ => throw new TimeoutException("all-reduce timed out"));
        Assert.Throws<TimeoutException>(() => loss.Backward());
        Assert.Null(w1.Grad);
        Assert.Equal([10.0, 10.0], w0.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Autograd_Grad_fires_none_and_a_disposed_hook_is_gone()
    {
        var (w0, w1, loss) = Graph(() => { });
        int calls = 0;
        var handle = w1.RegisterGradReadyHook(_ => calls++);
        Autograd.Grad([loss], [w0, w1], retainGraph: true);
        Assert.Equal(0, calls);
        loss.Backward(retainGraph: true);
        Assert.Equal(1, calls);
        handle.Dispose();
        loss.Backward();
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Only_a_leaf_that_requires_grad_takes_one()
    {
        var w = Tensor.From([1.0], requiresGrad: true);
        var e = Assert.Throws<AutogradException>(() => (w * 2f).RegisterGradReadyHook(_ => { }));
        Assert.Contains("non-leaf", e.Message);
        Assert.Contains("MulBackward0", e.Message);
        Assert.Throws<AutogradException>(() => Tensor.From([1.0]).RegisterGradReadyHook(_ => { }));
    }
}
