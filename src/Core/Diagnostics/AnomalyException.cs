namespace Functional;

/// <summary>
/// Anomaly detection (<see cref="Autograd.DetectAnomaly"/>) found a NaN or infinite value in a gradient a backward
/// node returned. PyTorch: the RuntimeError <c>Function 'SqrtBackward0' returned nan values in its 0th output.</c>
/// </summary>
public sealed class AnomalyException : AutogradException
{
    /// <summary>Creates the exception.</summary>
    public AnomalyException(string message, string nodeName, int inputIndex, string kind, string? forwardSite) : base(message)
    {
        NodeName = nodeName;
        InputIndex = inputIndex;
        Kind = kind;
        ForwardSite = forwardSite;
    }

    /// <summary>The grad_fn name of the node whose backward produced the value, e.g. <c>SqrtBackward0</c>.</summary>
    public string NodeName { get; }

    /// <summary>Which of the node's outputs (one per input of the forward op) held the value.</summary>
    public int InputIndex { get; }

    /// <summary><c>"nan"</c> or <c>"inf"</c>.</summary>
    public string Kind { get; }

    /// <summary>Where the forward op that created the node ran (<c>Type.Method in File.cs:line N</c>), or null when the
    /// node was recorded with anomaly detection off.</summary>
    public string? ForwardSite { get; }
}
