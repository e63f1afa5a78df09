using System.Runtime.CompilerServices;
using Functional.Optim;
using Functional.Nn;

namespace Functional.Tests;

/// <summary>
/// The errors of the seed scenarios name the user's own file:line for the save and for each write. Expected lines are
/// this file's own: each statement under test shares its line with a call to <see cref="Line"/>, which the compiler
/// fills with the same [CallerLineNumber], so the assertions hold wherever the lines move. PyTorch's first sentence is
/// kept verbatim (Reference/torch_reference.out, seed 3: "one of the variables needed for gradient computation ...").
/// </summary>
public class CallSiteMessageTests
{
    private const string File = "CallSiteMessageTests.cs";

    private static int Line([CallerLineNumber] int line = 0) => line;

    [Fact]
    public void Seed3_write_through_a_Detach_alias_names_the_save_the_alias_and_the_write()
    {
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid(); int saved = Line();
        var c = @out.Detach(); int alias = Line();
        c.Zero_(); int written = Line();
        var e = Assert.Throws<VersionMismatchException>(() => @out.Sum().Backward());
        Assert.StartsWith("one of the variables needed for gradient computation has been modified by an inplace operation: " +
                          "[torch.FloatTensor [3]], which is output 0 of SigmoidBackward0, is at version 1; expected version 0 instead.",
                          e.Message.Replace("[Float [3]]", "[torch.FloatTensor [3]]"));
        Assert.Contains($"Hint: the Float32 [3] tensor was saved by Sigmoid at {File}:{saved} (version 0); modified by Zero_ through a " +
                        $"Detach() alias created at {File}:{alias}, written at {File}:{written} (version 1).", e.Message);
        Assert.Equal(saved, e.SavedAt.Line);
        Assert.Equal("Sigmoid", e.SavedBy);
        var w = Assert.Single(e.Writes);
        Assert.Equal(("Zero_", written, 1), (w.Op, w.Site.Line, w.VersionAfter));
        Assert.EndsWith(File, w.Site.FilePath);
        Assert.Equal(nameof(Seed3_write_through_a_Detach_alias_names_the_save_the_alias_and_the_write), w.Site.Member);
    }

    [Fact]
    public void A_composed_op_records_the_users_line_not_the_librarys()
    {
        // Note [User Call Site]: v @ m with a 1-D v is unsqueeze, MatMul and squeeze inside the library; the MatMul that
        // saves v must name this line, not LinearAlgebra.cs.
        var v = Tensor.From([1f, 2f], requiresGrad: true);
        var m = Tensor.From([1f, 2f, 3f, 4f], [2, 2], requiresGrad: true);
        var y = v.MatMul(m); int saved = Line();
        using (Autograd.NoGrad()) v.Mul_(2f);
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.Equal(saved, e.SavedAt.Line);
        Assert.EndsWith(File, e.SavedAt.FilePath);
    }

    [Fact]
    public void A_library_line_is_never_reported_as_the_users()
    {
        // Nn.ReLU.Forward calls Relu inside the library: with no user site to carry, the node's site is unknown rather
        // than ReLU.cs.
        var x = Tensor.From([1f, -2f], requiresGrad: true);
        var y = new ReLU().Forward(x * 1f);
        using (Autograd.NoGrad()) y.Detach().Zero_();
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.False(e.SavedAt.IsKnown);
        Assert.DoesNotContain("ReLU.cs", e.Message);
    }

    [Fact]
    public void Every_write_since_the_save_is_listed_in_order()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp(); int saved = Line();
        var d = y.Detach(); int alias = Line();
        d.Add_(1f); int first = Line();
        d.Mul_(2f); int second = Line();
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.Contains($"saved by Exp at {File}:{saved} (version 0); modified by Add_ through a Detach() alias created at {File}:{alias}, " +
                        $"written at {File}:{first} (version 1); then Mul_ through a Detach() alias created at {File}:{alias}, " +
                        $"written at {File}:{second} (version 2).", e.Message);
        Assert.Equal([first, second], e.Writes.Select(w => w.Site.Line));
    }

    [Fact]
    public void Only_the_last_eight_writes_are_kept_and_the_message_says_so()
    {
        var x = Tensor.From([1f], requiresGrad: true);
        var y = x.Exp();
        var d = y.Detach();
        for (int i = 0; i < 10; i++) d.Add_(1f);
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.Equal(8, e.Writes.Count);
        Assert.Equal(Enumerable.Range(3, 8), e.Writes.Select(w => w.VersionAfter));
        Assert.Contains("(earlier writes not logged)", e.Message);
    }

    [Fact]
    public void A_write_through_a_view_says_so()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp(); int saved = Line();
        var d = y.Detach(); int alias = Line();
        d[0] = Tensor.Scalar(5f);   // an indexer cannot take caller info: the write has no site
        var e = Assert.Throws<VersionMismatchException>(() => y.Sum().Backward());
        Assert.Contains($"saved by Exp at {File}:{saved} (version 0); modified by index assignment (t[i] = v) through a view of a Detach() alias created at {File}:{alias} (version 1).", e.Message);
    }

    [Fact]
    public void An_optimizer_step_between_forward_and_backward_is_named_with_the_line_that_called_Step()
    {
        var w = new Parameter(Tensor.From([1f, 2f]));
        var opt = new Sgd([w], lr: 0.1f);
        var loss = w.Pow(2f).Sum(); int saved = Line();
        loss.Backward(retainGraph: true);
        opt.Step(); int stepped = Line();
        var e = Assert.Throws<VersionMismatchException>(() => loss.Backward());
        Assert.Contains($"saved by Pow at {File}:{saved} (version 0); modified by Sgd.Step at {File}:{stepped} (version 1).", e.Message);
    }

    [Fact]
    public void Superseded_handle_names_the_in_place_op_and_its_line()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x * 2f;
        var y2 = y.Mul_(3f); int line = Line();
        var e = Assert.Throws<SupersededTensorException>(() => y.Sum());
        Assert.Contains($"was superseded by Mul_() at {File}:{line}: that call returned a new handle", e.Message);
        Assert.NotNull(y2.GradFn);
    }

    [Fact]
    public void Detach_in_place_names_its_line()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x * 2f;
        y.Detach_(); int line = Line();
        var e = Assert.Throws<SupersededTensorException>(() => y.Sum());
        Assert.Contains($"superseded by Detach_() at {File}:{line}", e.Message);
    }

    [Fact]
    public void A_stale_view_names_the_in_place_op_that_rewrote_its_base()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x * 2f;
        var v = y.Select(0, 0);
        y.Add_(1f); int line = Line();
        var e = Assert.Throws<SupersededTensorException>(() => v * 2f);
        Assert.Contains($"taken before a recorded in-place op (Add_ at {File}:{line}) rewrote", e.Message);
    }

    [Fact]
    public void In_place_on_a_leaf_names_the_write_and_where_it_was_made_to_require_grad()
    {
        var w = Tensor.Ones(3).RequiresGrad_(); int made = Line();
        var e = Assert.Throws<LeafInPlaceException>(() => w.Add_(1f)); int written = Line();
        Assert.Equal("a leaf Variable that requires grad is being used in an in-place operation. " +
                     $"Add_ at {File}:{written} on Float32 [3] (leaf, requires grad), which was made to require grad at {File}:{made}: " +
                     "do the update under `using (Autograd.NoGrad())` (as optimizers do), or write to a Clone().", e.Message);
    }

    [Fact]
    public void Backward_from_a_detached_result_names_the_cut()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var h = x.Exp().Detach(); int cut = Line();
        var e = Assert.Throws<NoGradFnException>(() => (h * 2f).Sum().Backward());
        Assert.EndsWith($"Here its history was cut by Detach() at {File}:{cut} (of Float32 [2] (grad_fn=ExpBackward0)).", e.Message);
    }

    [Fact]
    public void A_second_backward_names_the_backward_that_freed_the_graph()
    {
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x.Exp().Sum();
        y.Backward(); int freed = Line();
        var e = Assert.Throws<GraphFreedException>(() => y.Backward());
        Assert.EndsWith($"The saved tensors of ExpBackward0 were freed by the Backward() at {File}:{freed}.", e.Message);
        var z = x.Exp().Sum();
        Autograd.Grad([z], [x]); int grad = Line();
        Assert.EndsWith($"freed by the Autograd.Grad() at {File}:{grad}.", Assert.Throws<GraphFreedException>(() => z.Backward()).Message);
    }

    [Fact]
    public void Call_site_prints_the_file_name_only()
    {
        var site = CallSite.Here(); int line = Line();
        Assert.Equal($"{File}:{line}", site.ToString());
        Assert.True(site.IsKnown);
        Assert.Equal("an unknown place", default(CallSite).ToString());
        Assert.Equal("Mutable.zero (line unknown)", new CallSite("", 0, "Mutable.zero").ToString());
    }
}
