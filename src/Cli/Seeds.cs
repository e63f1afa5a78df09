namespace Functional.Cli;

/// <summary>
/// The seed scenarios: the examples of the posts in shared/seeds, replayed with Functional and printed as PyTorch
/// prints them. docs/semantics.md shows the code between each <c>// doc:begin</c> and <c>// doc:end</c> and its
/// output; a test checks that the docs and this file agree.
/// </summary>
public static class Seeds
{
    /// <summary>One scenario: its number, title, and body (which prints through the given <c>print</c>).</summary>
    public sealed record Scenario(int Number, string Title, Action<Action<object?>> Run);

    /// <summary>All scenarios in order.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new(1, "sigmoid, then backward fills the leaf's Grad", Scenario1),
        new(2, "Detach() shares storage and cuts the graph", Scenario2),
        new(3, "a write through a Detach() alias makes backward fail", Scenario3),
        new(4, "the same write through Data is invisible: a silently wrong gradient", Scenario4),
        new(5, "SumBackward saves nothing, so writing its output is harmless", Scenario5),
        new(6, "detach shares storage; Detach().Clone() does not", Scenario6),
        new(7, "Grad lives on leaves; RetainGrad and hooks", Scenario7),
        new(8, "retainGraph, accumulation and createGraph", Scenario8),
        new(9, "backward from a non-scalar needs a gradient", Scenario9),
        new(10, "in-place on a leaf that requires grad", Scenario10),
        new(11, "Detach_() does not rewire graphs already built", Scenario11),
    ];

    /// <summary>Runs every scenario, writing a header and the output of each to <paramref name="writer"/>.</summary>
    public static void RunAll(TextWriter writer)
    {
        foreach (var s in All)
        {
            writer.WriteLine($"## {s.Number}. {s.Title}");
            s.Run(Printer(writer));
            writer.WriteLine();
        }
    }

    /// <summary>A Python-style print: <c>None</c> for null, the value's ToString otherwise.</summary>
    public static Action<object?> Printer(TextWriter writer) => v => writer.WriteLine(v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        _ => v.ToString(),
    });

    private static string Error(Exception e) => $"{e.GetType().Name}: {e.Message}";

    private static void Scenario1(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        print(a);
        print(a.Grad);
        var @out = a.Sigmoid();
        print(@out);
        @out.Sum().Backward();
        print(a.Grad);
        // doc:end
    }

    private static void Scenario2(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();
        var c = @out.Detach();
        print(c);
        print(c.GradFn);
        print(c.RequiresGrad);
        @out.Sum().Backward();            // c was not modified: backward is unaffected
        print(a.Grad);
        try { c.Sum().Backward(); }       // c has no history
        catch (NoGradFnException e) { print(Error(e)); }
        // doc:end
    }

    private static void Scenario3(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();           // SigmoidBackward0 saves its output
        var c = @out.Detach();
        c.Zero_();                        // tracked: bumps the version out and c share
        print(c);
        print(@out);
        print($"versions: out {@out.Version}, c {c.Version}");
        try { @out.Sum().Backward(); }
        catch (VersionMismatchException e) { print(Error(e)); }
        print(a.Grad);                    // a failed backward leaves accumulators as they were
        // doc:end
    }

    private static void Scenario4(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid();
        var c = @out.Data;                // same storage, its own version counter
        c.Zero_();                        // invisible to autograd
        print(@out);
        print($"versions: out {@out.Version}, c {c.Version}");
        @out.Sum().Backward();            // no error...
        print(a.Grad);                    // ...and a wrong gradient: sigmoid'(x) computed from the zeros
        // doc:end
    }

    private static void Scenario5(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var @out = a.Sigmoid().Sum();     // SumBackward0 saves nothing
        @out.Detach().Zero_();
        print(@out);
        @out.Backward();
        print(a.Grad);

        var b = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var out2 = b.Sigmoid().Sum();
        out2.Data.Zero_();
        out2.Backward();
        print(b.Grad);
        // doc:end
    }

    private static void Scenario6(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var y = x * 2;
        var z = y.Detach();
        z[0] = 100f;                      // a tracked write into shared storage
        print(y);
        print(z);
        var w = y.Detach().Clone();       // a copy: writes to it never reach y
        w[1] = -1f;
        print(w);
        print(y);
        // doc:end
    }

    private static void Scenario7(Action<object?> print)
    {
        // doc:begin
        var x2 = Tensor.From([0.5f], requiresGrad: true);
        var w1 = Tensor.From([2f], requiresGrad: true);
        var w2 = Tensor.From([2f], requiresGrad: true);
        var y2 = x2.Pow(w1);
        var z2 = w2 * y2 + 1;
        z2.Backward();
        print(x2.Grad);
        print(y2.Grad);                   // a non-leaf: null, with PyTorch's warning on Autograd.Warning
        print(w1.Grad);
        print(w2.Grad);

        var y3 = x2.Pow(w1).RetainGrad();
        using (y3.RegisterHook(g => g * 2))   // replaces the gradient flowing into y3
            (w2 * y3 + 1).Backward();
        print(y3.Grad);                   // retained, after the hook
        print(x2.Grad);                   // 2 + 4: accumulated over both backward calls
        // doc:end
    }

    private static void Scenario8(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var y = x.Sigmoid().Sum();
        y.Backward();
        try { y.Backward(); }
        catch (GraphFreedException e) { print(Error(e)); }

        var x1 = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var y1 = x1.Sigmoid().Sum();
        y1.Backward(retainGraph: true);
        y1.Backward();
        print(x1.Grad);                   // accumulated: twice one backward

        var x3 = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var dy = Autograd.Grad([x3.Pow(3).Sum()], [x3], createGraph: true)[0]!;
        print(dy);                        // 3x^2, itself differentiable
        dy.Sum().Backward();
        print(x3.Grad);                   // 6x
        // doc:end
    }

    private static void Scenario9(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        var y = x * 2;
        try { y.Backward(); }
        catch (NonScalarBackwardException e) { print(Error(e)); }
        y.Backward(Tensor.From([1f, 0.1f, 0.01f]));
        print(x.Grad);                    // the vector-Jacobian product
        // doc:end
    }

    private static void Scenario10(Action<object?> print)
    {
        // doc:begin
        var a = Tensor.From([1f, 2f, 3f], requiresGrad: true);
        try { a.Zero_(); }
        catch (LeafInPlaceException e) { print(Error(e)); }
        using (Autograd.NoGrad())
            a.Zero_();                    // how optimizers update parameters
        print(a);
        print(a.Version);
        // doc:end
    }

    private static void Scenario11(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([1f, 1f], requiresGrad: true);
        var m = x * 3;
        var y = (m * 2).Sum();
        var md = m.Detach_();             // returns the detached handle; m is superseded
        y.Backward();                     // the graph built before is untouched
        print(x.Grad);
        print(md.RequiresGrad);

        var x2 = Tensor.From([1f, 1f], requiresGrad: true);
        var m2 = x2 * 3;
        var y2 = (m2 * m2).Sum();         // MulBackward0 saves m2
        m2.Detach_();
        y2.Backward();                    // PyTorch 1.13 fails an internal assert here
        print(x2.Grad);                   // d/dx (3x)^2 = 18x
        // doc:end
    }
}
