namespace Functional;

/// <summary>The backward call that freed a graph's saved tensors (one object per backward without retainGraph), so a
/// second backward can say which call freed them.</summary>
internal sealed class FreedBy(string api, CallSite site)
{
    /// <summary><c>Backward()</c> or <c>Autograd.Grad()</c>.</summary>
    public string Api { get; } = api;
    /// <summary>Where it was called.</summary>
    public CallSite Site { get; } = site;
}
