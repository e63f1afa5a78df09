using System.Xml.Linq;
using Functional.Cli;

namespace Functional.Tests;

public class CliTests
{
    [Fact]
    public void Detach_experiment_shows_PyTorch_2x_and_1x_zero_grad_behaviour()
    {
        // Expected pattern from seed 000 (checked with PyTorch 1.13 and 2.x semantics in docs/detach-experiment.fsx):
        // setToNone true  -> on the detached epoch layer 1 is unchanged and its Grad is null;
        // setToNone false -> layer 1 changes on every epoch (Adam's momentum and weight decay) and its Grad is never null.
        var epochs = DetachExperiment.Run(n: 500);
        Assert.Equal(6, epochs.Count);
        foreach (var e in epochs.Where(e => e.SetToNone))
        {
            Assert.Equal(e.Number % 2 == 1, e.Detached);
            Assert.Equal(!e.Detached, e.Layer1Changed);
            Assert.Equal(e.Detached, e.Layer1GradIsNull);
        }
        foreach (var e in epochs.Where(e => !e.SetToNone))
        {
            Assert.True(e.Layer1Changed);
            Assert.False(e.Layer1GradIsNull);
        }
        // Both settings start from the same data and weights: the first two epochs see the same losses.
        Assert.Equal(epochs[0].Loss, epochs[3].Loss);
        Assert.Equal(epochs[1].Loss, epochs[4].Loss);
    }

    [Fact]
    public void Loss_curve_is_well_formed_svg_with_one_point_per_step()
    {
        var losses = Enumerable.Range(0, 30).Select(i => 2.0 / (1 + i)).Append(double.NaN).ToList();
        var svg = XDocument.Parse(LossCurve.Svg(losses, stepsPerEpoch: 10, title: "loss <train>"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var points = svg.Descendants(ns + "polyline").Single().Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(30, points.Length);   // the NaN is left out
        Assert.Equal(3, svg.Descendants(ns + "text").Count(t => t.Value.StartsWith("epoch ")));
    }
}
