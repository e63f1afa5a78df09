namespace Functional;

/// <summary>The kind of memory a tensor's storage lives in.</summary>
public enum DeviceType
{
    /// <summary>Host memory.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU (not available in this build).</summary>
    Cuda,
}

/// <summary>Where a tensor's storage lives. PyTorch: <c>torch.device</c>.</summary>
/// <remarks>Only <see cref="Cpu"/> has a backend today; <see cref="Cuda(int)"/> is the seam for the GPU backend.</remarks>
public sealed record Device(DeviceType Type, int Index = 0)
{
    /// <summary>The host CPU (<c>torch.device('cpu')</c>).</summary>
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    /// <summary>The CUDA device with the given ordinal (<c>torch.device('cuda:0')</c>).</summary>
    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    /// <summary>Whether a CUDA device can be used. Always false in this build.</summary>
    public static bool CudaAvailable => false;

    /// <summary>PyTorch's spelling: <c>cpu</c> (<c>cpu:1</c> for another host device, such as the tests' checking backend) or <c>cuda:0</c>.</summary>
    public override string ToString() => Type == DeviceType.Cpu ? (Index == 0 ? "cpu" : $"cpu:{Index}") : $"cuda:{Index}";
}
