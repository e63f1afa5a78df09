namespace Functional.Tests;

/// <summary>
/// The internal diagnostics state (src/Core/Diagnostics/CallSite.cs lists it) that the messages, WhyNoGrad and the DOT
/// view read: ordinary tensors and nodes carry none of it (the hot path pays a null check), cuts and writes carry it.
/// </summary>
public class DiagnosticsInfrastructureTests
{
    [Fact]
    public void Ordinary_ops_leave_no_diagnostic_state()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x * 2f + 1f;
        Assert.Null(y._origin);
        Assert.Null(y.GradFn!.Cuts);
        Assert.False(y.GradFn.Site.IsKnown);      // operators cannot take caller info
        Assert.Null(x._version.Writes);           // no write yet: no log allocated
        var z = Tensor.Ones(2) * 3f;              // nothing requires grad: nothing recorded, no origin
        Assert.Null(z._origin);
    }

    [Fact]
    public void A_detached_input_is_a_cut_edge_of_the_node_that_consumes_it()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var e = x.Exp();
        var h = e.Detach();
        var w = Tensor.From([1f, 1f], requiresGrad: true);
        var y = h.Sigmoid() * w;                  // the origin travels through the unrecorded Sigmoid
        var cut = Assert.Single(y.GradFn!.Cuts!);
        Assert.Equal(0, cut.Input);
        Assert.Equal(CutKind.Detach, cut.Origin.Kind);
        Assert.Same(e.GradFn, cut.Source);
        Assert.Equal("ExpBackward0", cut.Origin.SourceName);
        Assert.Same(h._origin, cut.Origin);
    }

    [Fact]
    public void A_detached_leaf_points_at_its_accumulator_and_a_tensor_that_required_no_grad_is_no_cut()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var o = x.Detach()._origin!;
        Assert.Equal("AccumulateGrad", o.SourceName);
        Assert.Same(x._meta.Accumulator, o.Source);
        Assert.Null(Tensor.Ones(2).Detach()._origin);
    }

    [Fact]
    public void Saved_tensors_keep_the_saving_site_and_version_and_know_when_they_are_stale()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Sigmoid();
        var node = (FunctionNode)y.GradFn!;
        var saved = node.SavedOutputTensor!;
        Assert.Equal(nameof(Saved_tensors_keep_the_saving_site_and_version_and_know_when_they_are_stale), saved.Site.Member);
        Assert.Equal(node.Site, saved.Site);
        Assert.Equal(0, saved.SavedVersion);
        Assert.False(saved.IsStale);
        y.Detach().Zero_();
        Assert.True(saved.IsStale);
        var write = Assert.Single(y._version.Writes!.Recent());
        Assert.Equal(CutKind.Detach, write.Via!.Kind);
    }

    [Fact]
    public void NoGrad_results_remember_the_scope_and_library_scopes_leave_no_trace()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        Tensor h;
        using (Autograd.NoGrad()) h = x * 2f;
        Assert.Equal(CutKind.NoGrad, h._origin!.Kind);
        Assert.True(h._origin.Site.IsKnown);
        using (GradMode.Set(false)) h = x * 2f;
        Assert.Null(h._origin);
        Assert.Null(GradMode.UserScopeSite);
    }
}
