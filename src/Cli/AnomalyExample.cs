namespace Functional.Cli;

/// <summary>
/// The anomaly-mode example of docs/graphs.md: the code between <c>// doc:begin</c> and <c>// doc:end</c> and what it
/// prints are shown there, and a test checks that the docs and this file agree.
/// </summary>
public static class AnomalyExample
{
    /// <summary>Runs the example, printing through <paramref name="print"/> (see <see cref="Seeds.Printer"/>).</summary>
    public static void Run(Action<object?> print)
    {
        // doc:begin
        var x = Tensor.From([4f, 0f, 1f], requiresGrad: true);
        var loss = x.Sqrt().Sum();                    // sqrt'(0) = 1/(2*sqrt(0)) = inf
        loss.Backward();                              // anomaly mode is off: no complaint
        print(x.Grad);

        using (Autograd.DetectAnomaly())
        {
            var w = Tensor.From([4f, 0f, 1f], requiresGrad: true);
            var y = w.Sqrt();                         // recorded with its forward site
            try { (y * 0f).Sum().Backward(); }        // 0 * inf = nan in SqrtBackward0
            catch (AnomalyException e) { print(e.Message); print(w.Grad); }
        }
        // doc:end
    }
}
