using System.Globalization;
using System.Text;
using Functional.Nn;

namespace Functional.Optim;

/// <summary>What <see cref="Optimizer.Step"/> will do to one parameter.</summary>
public enum StepAction
{
    /// <summary>Updated from a nonzero gradient.</summary>
    Normal,
    /// <summary>Grad is null: Step skips it (not moved, no state).</summary>
    Skipped,
    /// <summary>Grad is all zeros: only momentum or weight decay move it (PyTorch 1.x's <c>zero_grad</c> trap).</summary>
    MovedByStateOnly,
    /// <summary>Grad is all zeros and nothing else moves it: Step leaves it unchanged (but counts a step in its state).</summary>
    Unchanged,
    /// <summary>Frozen (<c>RequiresGrad</c> false) but still holding a Grad from an earlier backward: Step updates it with
    /// that stale gradient, as PyTorch does.</summary>
    StaleGradient,
}

/// <summary>One row of a <see cref="StepReport"/>.</summary>
/// <param name="Name">The parameter's name in the model (<c>layer1.weight</c>), or <c>param {i}</c>.</param>
/// <param name="Parameter">The parameter.</param>
/// <param name="Action">What Step will do.</param>
/// <param name="Reason">Why, as a sentence (with call sites where known).</param>
public sealed record ParameterStep(string Name, Parameter Parameter, StepAction Action, string Reason);

/// <summary>The answer of <see cref="Optimizer.Explain"/>: one row per parameter. Prints as a table.</summary>
public sealed class StepReport
{
    internal StepReport(string optimizer, IReadOnlyList<ParameterStep> rows)
    {
        Optimizer = optimizer;
        Parameters = rows;
    }

    /// <summary>The optimizer's type name.</summary>
    public string Optimizer { get; }

    /// <summary>One row per parameter, in the optimizer's order.</summary>
    public IReadOnlyList<ParameterStep> Parameters { get; }

    /// <summary>The row of <paramref name="name"/>.</summary>
    public ParameterStep this[string name] => Parameters.First(r => r.Name == name);

    /// <summary>A table: name, action, reason.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder($"{Optimizer}.Step() will:");
        int w = Parameters.Max(r => r.Name.Length);
        foreach (var r in Parameters)
            sb.Append(CultureInfo.InvariantCulture, $"\n  {r.Name.PadRight(w)}  {r.Action,-16}  {r.Reason.Replace("\n", "\n" + new string(' ', w + 22))}");
        return sb.ToString();
    }
}

public abstract partial class Optimizer
{
    /// <summary>
    /// Says, for each parameter, what the next <see cref="Step"/> will do and why (call it after backward, before Step):
    /// skipped (Grad null; with <paramref name="loss"/>, <see cref="Autograd.WhyNoGrad"/> says why no path reached it),
    /// moved only by momentum or weight decay (Grad all zeros, as <c>ZeroGrad(setToNone: false)</c> leaves it), updated
    /// with a stale gradient although frozen, unchanged, or normal. Reads only; changes nothing.
    /// </summary>
    /// <param name="loss">The tensor backward ran from, to explain missing gradients (its graph may already be freed).</param>
    /// <param name="model">The module the parameters belong to, for their names.</param>
    public StepReport Explain(Tensor? loss = null, Module? model = null)
    {
        var names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        if (model is not null)
            foreach (var (name, p) in model.NamedParameters()) names.TryAdd(p, name);
        var rows = new List<ParameterStep>();
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            string name = names.TryGetValue(p, out var n) ? n : $"param {i}";
            rows.Add(ExplainOne(name, p, loss));
        }
        return new StepReport(GetType().Name, rows);
    }

    private ParameterStep ExplainOne(string name, Parameter p, Tensor? loss)
    {
        var grad = p.Grad;
        var frozenAt = p.RequiresGradSite;
        string frozen = frozenAt.At;
        if (grad is null)
        {
            string why = !p.RequiresGrad
                ? $"frozen: RequiresGrad was set to false{frozen}, so backward gives it no Grad."
                : loss is null
                    ? "no backward reached it (pass the loss to Explain to see why)."
                    : Brief(Autograd.WhyNoGrad(loss, p));
            return new(name, p, StepAction.Skipped, "Grad is null, so Step skips it: " + why);
        }
        if (!p.RequiresGrad)
            return new(name, p, StepAction.StaleGradient,
                $"frozen (RequiresGrad set to false{frozen}) but it still holds the Grad of an earlier backward, and Step updates it with that " +
                "stale gradient (as PyTorch does). Set its Grad to null (ZeroGrad()) when you freeze it.");
        if (grad.ToDoubleArray().All(v => v == 0))
        {
            string why = loss is null ? "" : " Why no gradient: " + Brief(Autograd.WhyNoGrad(loss, p));
            var motion = ZeroGradMotion(p, StateOf(p));
            return motion is null
                ? new(name, p, StepAction.Unchanged, "Grad is all zeros and nothing else moves it: Step leaves it as it is." + why)
                : new(name, p, StepAction.MovedByStateOnly,
                    $"Grad is all zeros (ZeroGrad(setToNone: false) leaves zeros where no gradient arrives), yet Step moves it by {motion}: " +
                    "the PyTorch 1.x zero_grad trap. Use ZeroGrad() (setToNone: true) so such parameters are skipped." + why);
        }
        return new(name, p, StepAction.Normal, "updated from its gradient.");
    }

    private static string Brief(NoGradExplanation e) =>
        e.Reasons.Count > 0 ? string.Join(" ", e.Reasons.Select(r => r.Text))
        : "the loss does reach it, so no backward from this loss has run since its Grad was cleared (call loss.Backward() first).";

    /// <summary>What moves <paramref name="p"/> in a step whose gradient is all zeros (e.g. "weight decay (0.5)"), or null
    /// when nothing does. The base class does not know its subclass's rule and says so.</summary>
    private protected virtual string? ZeroGradMotion(Parameter p, IReadOnlyDictionary<string, Tensor>? state) =>
        "this optimizer's update rule (it runs even for a zero gradient)";
}
