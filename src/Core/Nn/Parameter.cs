using System.Runtime.CompilerServices;

namespace Functional.Nn;

/// <summary>
/// A tensor that is a module's learnable state (<c>torch.nn.Parameter</c>): always a leaf, requiring grad unless told
/// otherwise, aliasing the storage (and version counter) of the tensor it was made from.
/// </summary>
/// <remarks>
/// A parameter is a <see cref="Tensor"/> and goes into any op. Its values change only through tracked in-place writes
/// (an optimizer's <c>Step</c>, <see cref="Module.LoadStateDict"/>, or your own under <see cref="Autograd.NoGrad"/>),
/// so a graph that saved it before the write fails at backward with <see cref="VersionMismatchException"/>, as in
/// PyTorch. <see cref="RequiresGrad"/> is settable: turning it off freezes the parameter (no <see cref="Tensor.Grad"/>
/// after backward).
/// </remarks>
public class Parameter : Tensor
{
    /// <summary>
    /// A new parameter over <paramref name="data"/>'s storage (<c>nn.Parameter(data, requires_grad)</c>). The result is a
    /// leaf even when <paramref name="data"/> has a history; writes through either are seen by both.
    /// </summary>
    /// <exception cref="DTypeMismatchException"><paramref name="data"/> is Int64 and <paramref name="requiresGrad"/> is true.</exception>
    public Parameter(Tensor data, bool requiresGrad = true)
        : base(data ?? throw new ArgumentNullException(nameof(data)), requiresGrad)
    {
    }

    /// <summary>Whether backward fills this parameter's <see cref="Tensor.Grad"/> (<c>p.requires_grad</c>). Setting it
    /// to false freezes the parameter; it can be set back at any time (a parameter is always a leaf). A property setter
    /// cannot take caller info: use <see cref="SetRequiresGrad"/> or <see cref="RequiresGrad_"/> for diagnostics that
    /// name where a parameter was frozen.</summary>
    public new bool RequiresGrad
    {
        get => base.RequiresGrad;
        set => SetRequiresGradCore(value, default);
    }

    /// <summary>Sets <see cref="RequiresGrad"/>, remembering where (for <see cref="Autograd.WhyNoGrad"/> and
    /// <c>Optimizer.Explain</c>).</summary>
    /// <param name="requiresGrad">The new flag.</param>
    /// <param name="callerFile">Filled in by the compiler.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public void SetRequiresGrad(bool requiresGrad, [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                [CallerMemberName] string callerMember = "") =>
        SetRequiresGradCore(requiresGrad, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this parameter (<c>p.requires_grad_()</c>), remembering where.</summary>
    /// <param name="requiresGrad">The new flag.</param>
    /// <param name="callerFile">Filled in by the compiler.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public new Parameter RequiresGrad_(bool requiresGrad = true, [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                       [CallerMemberName] string callerMember = "")
    {
        SetRequiresGradCore(requiresGrad, new CallSite(callerFile, callerLine, callerMember));
        return this;
    }

    /// <summary>PyTorch's repr: <c>Parameter containing:</c>, a newline, then the tensor, e.g.
    /// <c>tensor([1., 2., 3.], requires_grad=True)</c>.</summary>
    public override string ToString() => "Parameter containing:\n" + base.ToString();

    /// <summary>
    /// Clears the gradient accumulator (<c>p.grad = None</c>, or zeroed in place). Zeroing follows PyTorch's
    /// <c>zero_grad(set_to_none=False)</c>: a gradient with a history (from <c>createGraph</c>) is detached first.
    /// </summary>
    internal void ClearGrad(bool setToNone)
    {
        if (Grad is not { } g) return;
        if (setToNone)
        {
            Grad = null;
            return;
        }
        using (GradMode.Set(false))
        {
            if (g.GradFn is not null) Grad = g = g.DetachQuiet();
            else if (g.RequiresGrad) g.RequiresGrad_(false);
            g.Zero_();
        }
    }
}
