namespace Functional;

/// <summary>The base of every autograd error. Messages follow PyTorch's wording, then say what to do.</summary>
public class AutogradException : InvalidOperationException
{
    /// <summary>An autograd error with the given message.</summary>
    public AutogradException(string message) : base(message) { }
}

/// <summary>
/// A tensor saved for backward was modified by a tracked in-place op (through itself, a view, or a
/// <see cref="Tensor.Detach"/> alias) before backward ran. PyTorch: "one of the variables needed for
/// gradient computation has been modified by an inplace operation".
/// </summary>
public sealed class VersionMismatchException : AutogradException
{
    /// <summary>Creates the exception.</summary>
    public VersionMismatchException(string message, int savedVersion, int currentVersion, string? producer) : base(message)
    {
        SavedVersion = savedVersion;
        CurrentVersion = currentVersion;
        Producer = producer;
    }

    /// <summary>The version the tensor had when it was saved.</summary>
    public int SavedVersion { get; }
    /// <summary>The version of its storage now.</summary>
    public int CurrentVersion { get; }
    /// <summary>The grad_fn name of the op that produced the saved tensor, or null for a leaf.</summary>
    public string? Producer { get; }

    /// <summary>The op that saved the tensor, e.g. <c>Sigmoid</c>.</summary>
    public string SavedBy { get; init; } = "";

    /// <summary>Where the saving op was called (unknown for ops that take no caller info).</summary>
    public CallSite SavedAt { get; init; }

    /// <summary>The tracked writes that bumped the version since the save, oldest first, as far as they are logged
    /// (the last 8 writes to the storage).</summary>
    public IReadOnlyList<InPlaceWrite> Writes { get; init; } = [];
}

/// <summary>Backward was called on a tensor that does not require grad and has no grad_fn.</summary>
public sealed class NoGradFnException(string message) : AutogradException(message);

/// <summary>A second backward reached saved values that the first backward freed (no <c>retainGraph</c>).</summary>
public sealed class GraphFreedException(string message) : AutogradException(message);

/// <summary>Backward without an explicit gradient was called on an output with more than one element.</summary>
public sealed class NonScalarBackwardException(string message) : AutogradException(message);

/// <summary>A tracked in-place op targeted a leaf that requires grad (or a view of one) while grad mode was on.</summary>
public sealed class LeafInPlaceException(string message) : AutogradException(message);

/// <summary>
/// A handle superseded by an in-place op or <see cref="Tensor.Detach_"/> was used in an op that records a
/// graph node. Use the handle the in-place op returned.
/// </summary>
public sealed class SupersededTensorException(string message) : AutogradException(message);

/// <summary>Two tensors' shapes do not broadcast or do not fit the op.</summary>
public sealed class ShapeMismatchException(string message) : ArgumentException(message);

/// <summary>Two tensors' dtypes differ where the op needs them equal, or the dtype does not support the op.</summary>
public sealed class DTypeMismatchException(string message) : ArgumentException(message)
{
    /// <summary>The error for a floating-point-only op given an Int64 tensor.</summary>
    internal static DTypeMismatchException NotForInt64(string op, Tensor x) =>
        new($"{op} is not implemented for Int64 tensors ({x.Describe()}); it needs a floating dtype (Float32 or Float64). Convert with To(DType.Float32) first.");
}

/// <summary>Two tensors live on different devices.</summary>
public sealed class DeviceMismatchException(string message) : ArgumentException(message);
