using Functional.Nn;
using Functional.Optim;

namespace Functional.Cli;

/// <summary>
/// The seed confusions that raise or stay silent, replayed so Functional's diagnostics show the user's own file:line
/// (here, this file's). docs/diagnostics.md shows the code between each <c>// doc:begin</c> and <c>// doc:end</c> and
/// its output, beside PyTorch 1.13's message; a test checks that the docs and this file agree.
/// </summary>
public static class DiagnosticScenarios
{
    /// <summary>One scenario: its key (as in docs/diagnostics.md), title, and body (printing through <c>print</c>).</summary>
    public sealed record Scenario(string Key, string Title, Action<Action<object?>> Run);

    /// <summary>All scenarios in order.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("detach-write", "a write through a Detach() alias of a saved tensor (seed 3)", DetachWrite),
        new("step-between", "an optimizer step between forward and backward", StepBetween),
        new("leaf-inplace", "an in-place write to a leaf that requires grad (seed 10)", LeafInPlace),
        new("superseded", "using the handle an in-place op superseded", Superseded),
        new("second-backward", "a second backward through a freed graph (seed 8)", SecondBackward),
        new("grad-none", "why is the Grad null? a Detach() on the way", GradNone),
        new("zero-grad-trap", "ZeroGrad(setToNone: false) and Adam: a detached layer still moves (seed 000)", ZeroGradTrap),
        new("frozen-stale", "a parameter frozen after backward is stepped with its old Grad", FrozenStale),
    ];

    /// <summary>Runs every scenario, writing a header and the output of each to <paramref name="writer"/>.</summary>
    public static void RunAll(TextWriter writer)
    {
        foreach (var s in All)
        {
            writer.WriteLine($"## {s.Key}: {s.Title}");
            s.Run(Seeds.Printer(writer));
            writer.WriteLine();
        }
    }

    private static string Error(Exception e) => $"{e.GetType().Name}: {e.Message}";

    private static void DetachWrite(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();
        var c = @out.Detach();
        c.Zero_();
        try { @out.Sum().Backward(); }
        catch (VersionMismatchException e) { print(Error(e)); }
        // doc:end
    }

    private static void StepBetween(Action<object?> print)
    {
        // doc:begin
        var w = new Parameter(Tensor.From([1f, 2f]));
        var opt = new Sgd([w], lr: 0.1f);
        var loss = w.Pow(2f).Sum();
        loss.Backward(retainGraph: true);
        opt.Step();
        try { loss.Backward(); }
        catch (VersionMismatchException e) { print(Error(e)); }
        // doc:end
    }

    private static void LeafInPlace(Action<object?> print)
    {
        // doc:begin
        var w = Tensor.Ones(3).RequiresGrad_();
        try { w.Add_(1f); }
        catch (LeafInPlaceException e) { print(Error(e)); }
        // doc:end
    }

    private static void Superseded(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var y = x * 2f;
        var y2 = y.Mul_(3f);              // returns the handle with the new history
        try { print(y.Sum()); }
        catch (SupersededTensorException e) { print(Error(e)); }
        // doc:end
    }

    private static void SecondBackward(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 2f], requiresGrad: true);
        var loss = x.Exp().Sum();
        loss.Backward();
        try { loss.Backward(); }
        catch (GraphFreedException e) { print(Error(e)); }
        // doc:end
    }

    private static void GradNone(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var w = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var h = x.Exp().Detach();
        var loss = (h * w).Sum();
        loss.Backward();
        print(x.Grad);
        print(Autograd.WhyNoGrad(loss, x));
        // doc:end
    }

    private static void ZeroGradTrap(Action<object?> print)
    {
        // doc:begin
        var w1 = new Parameter(Tensor.From([1f, 2f]));
        var w2 = new Parameter(Tensor.From([1f, 2f]));
        var opt = new Adam([w1, w2], lr: 1f, weightDecay: 0.5f);
        (w1 * w2).Sum().Backward();
        opt.Step();
        opt.ZeroGrad(setToNone: false);
        var loss = (w1.Detach() * w2).Sum();
        loss.Backward();
        print(opt.Explain(loss));
        // doc:end
    }

    private static void FrozenStale(Action<object?> print)
    {
        // doc:begin
        var w = new Parameter(Tensor.From([1f, 2f]));
        var opt = new Sgd([w], lr: 0.1f);
        (w * w).Sum().Backward();
        w.SetRequiresGrad(false);
        print(opt.Explain());
        // doc:end
    }
}
