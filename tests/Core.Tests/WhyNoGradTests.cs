using System.Runtime.CompilerServices;
using Functional.Nn;

namespace Functional.Tests;

/// <summary>
/// <see cref="Autograd.WhyNoGrad"/>: one test per reason. Each graph is built so the reason is known by construction
/// (hand derivation: e.g. relu(-x) for positive x is 0 everywhere, so its gradient is exactly zero), and the call site
/// the reason names is this file's own line, captured with <see cref="Line"/> on the same line as the statement.
/// </summary>
public class WhyNoGradTests
{
    private const string File = "WhyNoGradTests.cs";

    private static int Line([CallerLineNumber] int line = 0) => line;

    private static Tensor Leaf() => Tensor.From([1f, 2f, 3f], requiresGrad: true);

    private static NoGradReason Single(NoGradExplanation e, NoGradReasonKind kind)
    {
        var r = Assert.Single(e.Reasons);
        Assert.Equal(kind, r.Kind);
        return r;
    }

    [Fact]
    public void A_leaf_that_does_not_require_grad_says_where_it_was_frozen()
    {
        var w = new Parameter(Tensor.From([1f, 2f, 3f]));
        w.SetRequiresGrad(false); int frozen = Line();
        var y = (w * Leaf()).Sum();
        var e = Autograd.WhyNoGrad(y, w);
        var r = Single(e, NoGradReasonKind.LeafDoesNotRequireGrad);
        Assert.Equal(frozen, r.Site!.Value.Line);
        Assert.Contains($"RequiresGrad was set to false at {File}:{frozen}", r.Text);
        Assert.False(e.ReceivesGradient);
    }

    [Fact]
    public void An_unused_leaf_is_not_connected()
    {
        var a = Leaf();
        var b = Leaf();
        var e = Autograd.WhyNoGrad((a * 2f).Sum(), b);
        Single(e, NoGradReasonKind.NotConnected);
        Assert.False(e.IsConnected);
        Assert.StartsWith("the tensor (Float32 [3] (leaf, requires grad)) receives no gradient from the output (Float32 [] (grad_fn=SumBackward0)):", e.ToString());
    }

    [Fact]
    public void An_output_with_no_history_is_not_connected()
    {
        var e = Autograd.WhyNoGrad(Tensor.Ones(3).Sum(), Leaf());
        Assert.Contains("does not require grad and has no history", Single(e, NoGradReasonKind.NotConnected).Text);
    }

    [Fact]
    public void A_Detach_cut_is_named_with_its_line_even_after_backward_freed_the_graph()
    {
        var x = Leaf();
        var w = Leaf();
        var h = x.Exp().Detach(); int cut = Line();
        var y = (h * 2f * w).Sum();   // the cut travels through the unrecorded h * 2f to the recorded product
        y.Backward();
        Assert.Null(x.Grad);
        var r = Single(Autograd.WhyNoGrad(y, x), NoGradReasonKind.Detached);
        Assert.Equal(cut, r.Site!.Value.Line);
        Assert.Contains($"a path was cut by Detach() at {File}:{cut} (of Float32 [3] (grad_fn=ExpBackward0))", r.Text);
        Single(Autograd.WhyNoGrad(y, w), NoGradReasonKind.CannotCheck);   // w is connected, but backward freed the graph
    }

    [Fact]
    public void Detaching_the_leaf_itself_is_a_cut()
    {
        var w = Leaf();
        var wd = w.Detach(); int cut = Line();
        var y = (wd * Leaf()).Sum();
        Assert.Equal(cut, Single(Autograd.WhyNoGrad(y, w), NoGradReasonKind.Detached).Site!.Value.Line);
    }

    [Fact]
    public void A_Data_alias_is_a_cut_named_without_a_line()
    {
        var x = Leaf();
        var y = (x.Exp().Data * Leaf()).Sum();   // a property cannot take caller info
        var r = Single(Autograd.WhyNoGrad(y, x), NoGradReasonKind.Detached);
        Assert.Null(r.Site);
        Assert.Contains("a path was cut by .Data (of Float32 [3] (grad_fn=ExpBackward0))", r.Text);
    }

    [Fact]
    public void Freezing_a_module_names_the_line()
    {
        var model = new Linear(3, 1, gen: new Generator(0));
        model.RequiresGrad_(false); int frozen = Line();
        var loss = model.Forward(Leaf()).Sum();
        Assert.Equal(frozen, Single(Autograd.WhyNoGrad(loss, model.Weight), NoGradReasonKind.LeafDoesNotRequireGrad).Site!.Value.Line);
    }

    [Fact]
    public void Every_cut_path_is_listed()
    {
        var x = Leaf();
        var a = x.Detach(); int first = Line();
        var b = x.Exp().Detach_(); int second = Line();
        var y = (a * Leaf() + b * Leaf()).Sum();
        var e = Autograd.WhyNoGrad(y, x);
        Assert.Equal([first, second], e.Reasons.Select(r => r.Site!.Value.Line).Order());
        Assert.All(e.Reasons, r => Assert.Equal(NoGradReasonKind.Detached, r.Kind));
        Assert.Contains(e.Reasons, r => r.Text.Contains($"Detach_() at {File}:{second}"));
    }

    [Fact]
    public void A_result_computed_under_NoGrad_names_the_scope()
    {
        var x = Leaf();
        Tensor h;
        int scopeLine;
        using (Autograd.NoGrad()) { scopeLine = Line(); h = x.Exp() * 2f; }
        var y = (h * Leaf()).Sum();
        var r = Single(Autograd.WhyNoGrad(y, x), NoGradReasonKind.ProducedUnderNoGrad);
        Assert.Equal(scopeLine, r.Site!.Value.Line);
        Assert.Contains($"computed under a NoGrad scope entered at {File}:{scopeLine}", r.Text);
    }

    [Fact]
    public void SetGradEnabled_false_is_a_NoGrad_scope_too()
    {
        var x = Leaf();
        var scope = Autograd.SetGradEnabled(false); int off = Line();
        var h = x * 3f;
        scope.Dispose();
        var r = Single(Autograd.WhyNoGrad((h * Leaf()).Sum(), x), NoGradReasonKind.ProducedUnderNoGrad);
        Assert.Equal(off, r.Site!.Value.Line);
    }

    [Fact]
    public void A_path_only_through_ArgMax_is_non_differentiable()
    {
        var x = Leaf();
        var idx = x.ArgMax(); int argmax = Line();
        var y = (idx.To(DType.Float32) * Leaf()).Sum();
        var r = Single(Autograd.WhyNoGrad(y, x), NoGradReasonKind.NonDifferentiable);
        Assert.Equal(argmax, r.Site!.Value.Line);
        Assert.Contains($"ArgMax (not differentiable) at {File}:{argmax}", r.Text);
    }

    [Fact]
    public void A_dead_ReLU_gives_an_exactly_zero_gradient()
    {
        var x = Leaf();                                   // 1, 2, 3
        var h = (x * -1f).Relu(); int relu = Line();      // relu(-x) = 0 everywhere: d/dx = 0 (hand derivation)
        var y = (h * 5f).Sum();
        var e = Autograd.WhyNoGrad(y, x);
        Assert.True(e.IsConnected);
        Assert.True(e.GradientIsZero);
        var r = Single(e, NoGradReasonKind.ReluDead);
        Assert.Equal(relu, r.Site!.Value.Line);
        Assert.Contains($"the ReLU at {File}:{relu} is dead: all 3 of its outputs are <= 0", r.Text);
        y.Backward();
        Assert.Equal([0f, 0f, 0f], x.Grad!.ToArray());   // the claim, checked by the engine
    }

    [Fact]
    public void A_value_overwritten_in_place_gets_a_zero_gradient()
    {
        var x = Leaf();
        var y = (x * 2f).Zero_(); int zeroed = Line();
        var e = Autograd.WhyNoGrad((y + 1f).Sum(), x);
        Assert.True(e.GradientIsZero);
        Assert.Equal(zeroed, Single(e, NoGradReasonKind.OverwrittenInPlace).Site!.Value.Line);
    }

    [Fact]
    public void Cancelling_paths_give_a_zero_gradient()
    {
        var x = Leaf();
        var e = Autograd.WhyNoGrad((x * 2f - x * 2f).Sum(), x);   // d/dx (2x - 2x) = 0
        Assert.True(e.GradientIsZero);
        Single(e, NoGradReasonKind.ZeroGradient);
    }

    [Fact]
    public void A_freed_graph_cannot_be_checked_for_zeros()
    {
        var x = Leaf();
        var y = x.Exp().Sum();
        y.Backward();
        var e = Autograd.WhyNoGrad(y, x);
        Assert.True(e.IsConnected);
        Assert.Null(e.GradientIsZero);
        Assert.Contains("retainGraph: true", Single(e, NoGradReasonKind.CannotCheck).Text);
    }

    [Fact]
    public void A_leaf_with_a_gradient_has_no_reasons_and_the_check_leaves_accumulators_alone()
    {
        var x = Leaf();
        var y = (x * x).Sum();
        var e = Autograd.WhyNoGrad(y, x);
        Assert.True(e.ReceivesGradient);
        Assert.Empty(e.Reasons);
        Assert.Null(x.Grad);
        y.Backward();                                    // the graph is still there
        Assert.Equal([2f, 4f, 6f], x.Grad!.ToArray());
    }

    [Fact]
    public void A_non_scalar_output_is_checked_with_a_gradient_of_ones()
    {
        var x = Leaf();
        Assert.True(Autograd.WhyNoGrad(x * 2f, x).ReceivesGradient);
    }
}
