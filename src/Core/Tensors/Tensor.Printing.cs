namespace Functional;

// Printing a tensor: PyTorch's repr (ToString, laid out by TensorFormatter) and the short description every error
// message uses (Describe).
public partial class Tensor
{
    /// <summary>A short description for messages: <c>Float32 [2, 3] (grad_fn=MulBackward0)</c>.</summary>
    public string Describe() =>
        $"{DType} {Shape.Format(_shape)}" + (_gradFn is not null ? $" (grad_fn={_gradFn.Name})" : RequiresGrad ? " (leaf, requires grad)" : " (leaf)");

    /// <summary>PyTorch's repr, e.g. <c>tensor([0.7311, 0.8808, 0.9526], grad_fn=&lt;SigmoidBackward0&gt;)</c>.</summary>
    public override string ToString()
    {
        var suffixes = new List<string>();
        if (Device.Type != DeviceType.Cpu) suffixes.Add($"device='{Device}'");
        if (DType == DType.Float64) suffixes.Add("dtype=torch.float64");
        if (_gradFn is not null) suffixes.Add($"grad_fn=<{_gradFn.Name}>");
        else if (RequiresGrad) suffixes.Add("requires_grad=True");
        return DType == DType.Int64
            ? TensorFormatter.Format(ToInt64Array(), _shape, suffixes)
            : TensorFormatter.Format(ToDoubleArray(), _shape, suffixes);
    }
}
