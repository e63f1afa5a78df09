using System.Runtime.CompilerServices;

namespace Functional;

// Matrix products: matmul (1-D, 2-D, batched with broadcast batch dimensions) and linear.
public partial class Tensor
{
    /// <summary>
    /// The matrix product with PyTorch's <c>torch.matmul</c> rules: 1-D·1-D is a dot product, 2-D@1-D a
    /// matrix-vector product, 1-D@2-D a vector-matrix product, 2-D@2-D a matrix product, and higher ranks a batched
    /// product with broadcast batch dimensions.
    /// </summary>
    public Tensor MatMul(Tensor other,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        ArgumentNullException.ThrowIfNull(other);
        Tensor a = this, b = other;
        if (a.DType != b.DType)
            throw new DTypeMismatchException($"MatMul: expected both tensors to have the same dtype, but got {a.Describe()} and {b.Describe()}.");
        CheckSameDevice("MatMul", a, b);
        if (a.Rank == 0 || b.Rank == 0)
            throw new ShapeMismatchException($"both arguments to matmul need to be at least 1D, but they are {a.Rank}D and {b.Rank}D ({a.Describe()}, {b.Describe()}).");
        int ka = a._shape[^1], kb = b.Rank == 1 ? b._shape[0] : b._shape[^2];
        if (ka != kb)
            throw new ShapeMismatchException(a.Rank == 2 && b.Rank == 2
                ? $"mat1 and mat2 shapes cannot be multiplied ({a._shape[0]}x{a._shape[1]} and {b._shape[0]}x{b._shape[1]}); {a.Describe()} @ {b.Describe()}."
                : $"matmul: inner dimensions differ: {a.Describe()} @ {b.Describe()} ({ka} vs {kb}).");

        if (a.Rank == 1 && b.Rank == 1)
        {
            var r = a.Backend.MatMul(a.Unsqueeze0(), b.Unsqueeze1(), [1, 1]);
            return Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), r.AsShape([]), "DotBackward0", [a, b],
                static (g, s) => [s.NeedsGrad(0) ? g * s.Other : null, s.NeedsGrad(1) ? g * s.Self : null],
                save: [b.RequiresGrad ? a : null, a.RequiresGrad ? b : null]);
        }
        if (a.Rank == 2 && b.Rank == 1)
        {
            var r = a.Backend.MatMul(a, b.Unsqueeze1(), [a._shape[0], 1]);
            return Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), r.AsShape([a._shape[0]]), "MvBackward0", [a, b],
                static (g, s) => [s.NeedsGrad(0) ? g.Unsqueeze(1) * s.Other : null, s.NeedsGrad(1) ? s.Self.T.MatMul(g) : null],
                save: [b.RequiresGrad ? a : null, a.RequiresGrad ? b : null]);
        }
        if (a.Rank == 1 || b.Rank == 1)
        {
            using var _ = UserSite.Enter(new CallSite(callerFile, callerLine, callerMember));   // Note [User Call Site]
            return a.Rank == 1 ? a.Unsqueeze(0).MatMul(b).Squeeze(-2) : a.MatMul(b.Unsqueeze(1)).Squeeze(-1);
        }

        var batch = Shape.TryBroadcast(a._shape[..^2], b._shape[..^2])
            ?? throw new ShapeMismatchException($"matmul: batch dimensions do not broadcast: {a.Describe()} @ {b.Describe()}.");
        int[] outShape = [.. batch, a._shape[^2], b._shape[^1]];
        string name = a.Rank == 2 && b.Rank == 2 ? "MmBackward0" : "BmmBackward0";
        return Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), a.Backend.MatMul(a, b, outShape), name, [a, b],
            static (g, s) => [s.NeedsGrad(0) ? g.MatMul(s.Other.Transpose(-1, -2)) : null,
                              s.NeedsGrad(1) ? s.Self.Transpose(-1, -2).MatMul(g) : null],
            save: [b.RequiresGrad ? a : null, a.RequiresGrad ? b : null]);
    }

    // Kernel-only reshapes of a 1-D operand (no graph).
    private Tensor Unsqueeze0() => new(_storage, _offset, [1, _shape[0]], [0, _strides[0]], _version);
    private Tensor Unsqueeze1() => new(_storage, _offset, [_shape[0], 1], [_strides[0], 0], _version);

    /// <summary>
    /// <c>input @ weight.T + bias</c> (<c>torch.nn.functional.linear</c>). weight is [out, in], bias [out]. A 2-D input
    /// with a bias is one fused node (<c>AddmmBackward0</c>) that reads weight transposed without copying it.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ShapeMismatchException($"Linear: weight must be 2-D [out, in], got {weight.Describe()} (input {input.Describe()}).");
        if (input.Rank == 0 || input._shape[^1] != weight._shape[1])
            throw new ShapeMismatchException(
                $"Linear: input's last dimension must equal weight's in_features: input {input.Describe()}, weight {weight.Describe()}" +
                (input.Rank == 2 ? $" (mat1 and mat2 shapes cannot be multiplied ({input._shape[0]}x{input._shape[1]} and {weight._shape[1]}x{weight._shape[0]}))." : "."));
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != weight._shape[0]))
            throw new ShapeMismatchException($"Linear: bias must be [out] = [{weight._shape[0]}], got {bias.Describe()} (input {input.Describe()}, weight {weight.Describe()}).");
        if (input.Rank != 2 || bias is null)
        {
            var y = input.MatMul(weight.Transpose(0, 1, "TBackward0"), callerFile, callerLine, callerMember);   // PyTorch's weight.t()
            return bias is null ? y : y + bias;
        }
        if (input.DType != weight.DType || bias.DType != weight.DType)
            throw new DTypeMismatchException($"Linear: dtypes differ: input {input.Describe()}, weight {weight.Describe()}, bias {bias.Describe()}.");
        if (input.Device != weight.Device || bias.Device != weight.Device)
            throw new DeviceMismatchException($"Linear: expected all tensors to be on the same device, but found input on {input.Device}, weight on {weight.Device}, bias on {bias.Device}.");
        var wt = new Tensor(weight._storage, weight._offset, [weight._shape[1], weight._shape[0]], [weight._strides[1], weight._strides[0]], weight._version);
        var outShape = new[] { input._shape[0], weight._shape[0] };
        var result = input.Backend.MatMul(input, wt, outShape);
        result.Backend.AddRowsInPlace(result, bias);   // PyTorch's addmm adds the bias into the product's buffer too
        return Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), result, "AddmmBackward0", [input, weight, bias], static (g, s) =>
            [s.NeedsGrad(0) ? g.MatMul(s.Other) : null,
             s.NeedsGrad(1) ? g.T.MatMul(s.Self) : null,
             s.NeedsGrad(2) ? g.Sum(0) : null],
            save: [weight.RequiresGrad ? input : null, input.RequiresGrad ? weight : null]);
    }
}
