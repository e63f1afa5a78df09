using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Functional;

/// <summary>The functional autograd API and grad-mode scopes. PyTorch: <c>torch.autograd</c>, <c>torch.no_grad</c>.</summary>
public static partial class Autograd
{
    /// <summary>
    /// Returns the gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/> without touching
    /// any accumulator (<c>torch.autograd.grad</c>). With <paramref name="createGraph"/> the results carry a graph,
    /// for higher derivatives. An input the outputs do not depend on gives null with <paramref name="allowUnused"/>,
    /// else an error. The graph's saved tensors are freed unless <paramref name="retainGraph"/> or createGraph.
    /// </summary>
    /// <param name="outputs">The tensors to differentiate.</param>
    /// <param name="inputs">The tensors to differentiate with respect to.</param>
    /// <param name="gradOutputs">The gradients of the outputs (null: needed only for non-scalar outputs).</param>
    /// <param name="retainGraph">Keep the saved tensors for another backward.</param>
    /// <param name="createGraph">Record the backward itself, for higher derivatives.</param>
    /// <param name="allowUnused">Return null for an input the outputs do not depend on, instead of throwing.</param>
    /// <param name="callerFile">Filled in by the compiler: a later backward through the freed graph names this call.</param>
    /// <param name="callerLine">Filled in by the compiler.</param>
    /// <param name="callerMember">Filled in by the compiler.</param>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[]? gradOutputs = null,
                                 bool retainGraph = false, bool createGraph = false, bool allowUnused = false,
                                 [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        if (gradOutputs is not null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"grad_outputs has {gradOutputs.Length} tensors but outputs has {outputs.Length}.", nameof(gradOutputs));
        var grads = gradOutputs is null ? new Tensor?[outputs.Length] : (Tensor?[])gradOutputs.Clone();
        return Engine.Run(outputs, grads, retainGraph || createGraph, createGraph, inputs, allowUnused,
                          retainGraph || createGraph ? null : new FreedBy("Autograd.Grad()", new CallSite(callerFile, callerLine, callerMember)))!;
    }

    /// <summary>Turns recording off on this thread until disposed (<c>with torch.no_grad():</c>). Results computed in
    /// the scope from tensors that require grad remember the call site, for <see cref="WhyNoGrad"/>.</summary>
    public static IDisposable NoGrad([CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                     [CallerMemberName] string callerMember = "") =>
        GradMode.Set(false, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>Turns recording on on this thread until disposed (<c>with torch.enable_grad():</c>).</summary>
    public static IDisposable EnableGrad([CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                         [CallerMemberName] string callerMember = "") =>
        GradMode.Set(true, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>Sets recording on or off on this thread at once; disposing the result restores the previous mode
    /// (<c>torch.set_grad_enabled</c>). Turning it off remembers the call site, as <see cref="NoGrad"/> does.</summary>
    public static IDisposable SetGradEnabled(bool on, [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0,
                                             [CallerMemberName] string callerMember = "") =>
        GradMode.Set(on, new CallSite(callerFile, callerLine, callerMember));

    /// <summary>Whether ops record graph nodes on this thread (<c>torch.is_grad_enabled()</c>).</summary>
    public static bool IsGradEnabled => GradMode.IsEnabled;

    /// <summary>PyTorch's warning text for reading <see cref="Tensor.Grad"/> of a non-leaf.</summary>
    public const string NonLeafGradWarning =
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated " +
        "during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() " +
        "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. " +
        "See github.com/pytorch/pytorch/pull/30531 for more informations.";

    /// <summary>
    /// Raised with the text of each autograd warning (such as <see cref="NonLeafGradWarning"/>), on the thread that
    /// caused it. Every warning is also written with <see cref="Trace.TraceWarning(string)"/>.
    /// </summary>
    public static event Action<string>? Warning;

    internal static void Warn(string message)
    {
        Trace.TraceWarning(message);
        Warning?.Invoke(message);
    }
}
