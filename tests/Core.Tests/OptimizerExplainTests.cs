using System.Runtime.CompilerServices;
using Functional.Nn;
using Functional.Optim;

namespace Functional.Tests;

/// <summary>
/// <see cref="Optimizer.Explain"/>: one test per action. Each test also runs the Step and checks the claim (moved or
/// not), so the report is tested against the optimizer itself. That a frozen parameter with a kept Grad is still
/// stepped is PyTorch's behaviour (1.13: SGD steps every param whose grad is not None; w [1, 2] with grad 2w and lr 0.1
/// becomes [0.8, 1.6], as asserted below).
/// </summary>
public class OptimizerExplainTests
{
    private const string File = "OptimizerExplainTests.cs";

    private static int Line([CallerLineNumber] int line = 0) => line;

    private static Parameter P() => new(Tensor.From([1f, 2f]));

    [Fact]
    public void A_parameter_no_path_reached_is_skipped_and_the_cut_is_named()
    {
        var w1 = P();
        var w2 = P();
        var opt = new Sgd([w1, w2], lr: 0.1f);
        var loss = (w1.Detach() * w2).Sum(); int cut = Line();
        loss.Backward();
        var report = opt.Explain(loss);
        var row = report["param 0"];
        Assert.Equal(StepAction.Skipped, row.Action);
        Assert.Contains($"Grad is null, so Step skips it: a path was cut by Detach() at {File}:{cut}", row.Reason);
        Assert.Equal(StepAction.Normal, report["param 1"].Action);
        var before = w1.ToArray();
        opt.Step();
        Assert.Equal(before, w1.ToArray());
    }

    [Fact]
    public void Without_the_loss_a_skipped_parameter_says_how_to_learn_more()
    {
        var w = P();
        var opt = new Sgd([w], lr: 0.1f);
        Assert.Contains("pass the loss to Explain", opt.Explain()["param 0"].Reason);
    }

    [Fact]
    public void Zero_grads_with_Adam_momentum_and_weight_decay_still_move_the_parameter()
    {
        var w1 = P();
        var w2 = P();
        var opt = new Adam([w1, w2], lr: 1f, weightDecay: 0.5f);
        (w1 * w2).Sum().Backward();
        opt.Step();
        opt.ZeroGrad(setToNone: false);
        var loss = (w1.Detach() * w2).Sum(); int cut = Line();
        loss.Backward();
        var row = opt.Explain(loss)["param 0"];
        Assert.Equal(StepAction.MovedByStateOnly, row.Action);
        Assert.Contains("Step moves it by momentum (exp_avg) and weight decay (0.5)", row.Reason);
        Assert.Contains($"Why no gradient: a path was cut by Detach() at {File}:{cut}", row.Reason);
        var before = w1.ToArray();
        opt.Step();
        Assert.NotEqual(before, w1.ToArray());
    }

    [Fact]
    public void Zero_grads_with_plain_SGD_leave_the_parameter_unchanged()
    {
        var w = P();
        var opt = new Sgd([w], lr: 0.1f);
        w.Grad = Tensor.Zeros(2);
        Assert.Equal(StepAction.Unchanged, opt.Explain()["param 0"].Action);
        opt.Step();
        Assert.Equal([1f, 2f], w.ToArray());
    }

    [Fact]
    public void SGD_momentum_alone_moves_a_parameter_with_a_zero_grad()
    {
        var w = P();
        var opt = new Sgd([w], lr: 0.1f, momentum: 0.9f);
        (w * w).Sum().Backward();
        opt.Step();
        opt.ZeroGrad(setToNone: false);
        var row = opt.Explain()["param 0"];
        Assert.Equal(StepAction.MovedByStateOnly, row.Action);
        Assert.Contains("by momentum:", row.Reason);
    }

    [Fact]
    public void A_parameter_frozen_after_backward_is_stepped_with_its_stale_gradient()
    {
        var w = P();
        var opt = new Sgd([w], lr: 0.1f);
        (w * w).Sum().Backward();
        w.SetRequiresGrad(false); int frozen = Line();
        var row = opt.Explain()["param 0"];
        Assert.Equal(StepAction.StaleGradient, row.Action);
        Assert.Contains($"frozen (RequiresGrad set to false at {File}:{frozen}) but it still holds the Grad of an earlier backward", row.Reason);
        opt.Step();
        TensorAssert.Close([0.8f, 1.6f], w, absolute: 1e-6f);   // PyTorch 1.13 gives tensor([0.8000, 1.6000])
    }

    [Fact]
    public void A_parameter_frozen_before_the_forward_is_skipped_and_says_where()
    {
        var w1 = P();
        var w2 = P();
        var opt = new Sgd([w1, w2], lr: 0.1f);
        w1.SetRequiresGrad(false); int frozen = Line();
        var loss = (w1 * w2).Sum();
        loss.Backward();
        var row = opt.Explain(loss)["param 0"];
        Assert.Equal(StepAction.Skipped, row.Action);
        Assert.Contains($"frozen: RequiresGrad was set to false at {File}:{frozen}, so backward gives it no Grad.", row.Reason);
    }

    [Fact]
    public void Rows_are_named_after_the_model_and_print_as_a_table()
    {
        var model = new Linear(2, 1, gen: new Generator(0));
        var opt = new Adam(model.Parameters());
        var loss = model.Forward(Tensor.Ones(1, 2)).Sum();
        loss.Backward();
        var report = opt.Explain(loss, model);
        Assert.Equal(["weight", "bias"], report.Parameters.Select(r => r.Name));
        Assert.All(report.Parameters, r => Assert.Equal(StepAction.Normal, r.Action));
        Assert.Equal("Adam.Step() will:\n  weight  Normal            updated from its gradient.\n  bias    Normal            updated from its gradient.",
                     report.ToString());
    }
}
