using System.Runtime.CompilerServices;

namespace Functional;

// + - * / (tensor and scalar, both sides), neg, pow, reciprocal: each op's declaration next to its method
// (Note [Op Declarations]).
// Broadcasting: a rule returns the gradient in the output's shape; the engine sums it back to each input's shape.
public partial class Tensor
{
    /// <summary>Broadcast shapes and reconcile dtypes of a binary op's operands (a 0-d tensor adopts the other's dtype).</summary>
    internal static int[] PrepareBinary(ref Tensor a, ref Tensor b, string op)
    {
        ArgumentNullException.ThrowIfNull(b, op == "Pow" ? "exponent" : "other");
        if (a.DType != b.DType)
        {
            if (b.Rank == 0 && a.DType.IsFloatingPoint()) b = b.To(a.DType);
            else if (a.Rank == 0 && b.DType.IsFloatingPoint()) a = a.To(b.DType);
            else throw new DTypeMismatchException($"{op}: expected both tensors to have the same dtype, but got {a.Describe()} and {b.Describe()}. Convert one with To(DType).");
        }
        if (a.Device != b.Device && b.Rank == 0) b = b.To(a.Device);         // a 0-d operand follows the other, as PyTorch's CPU scalars do
        else if (a.Device != b.Device && a.Rank == 0) a = a.To(b.Device);
        CheckSameDevice(op, a, b);
        return BroadcastShapes(a, b, op);
    }

    /// <summary>Refuses operands on two devices, in PyTorch's words (the binary ops, MatMul, SliceScatter).</summary>
    internal static void CheckSameDevice(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device)
            throw new DeviceMismatchException($"{op}: expected all tensors to be on the same device, but found {a.Device} and {b.Device} ({a.Describe()}, {b.Describe()}).");
    }

    internal static int[] BroadcastShapes(Tensor a, Tensor b, string op)
    {
        if (Shape.TryBroadcast(a._shape, b._shape) is { } s) return s;
        int n = Math.Max(a.Rank, b.Rank);
        for (int i = 1; i <= n; i++)
        {
            int da = i <= a.Rank ? a._shape[^i] : 1, db = i <= b.Rank ? b._shape[^i] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ShapeMismatchException(
                    $"The size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {n - i}. " +
                    $"{op} of {a.Describe()} and {b.Describe()}: shapes must be equal or 1 in each dimension (counted from the right).");
        }
        throw new ShapeMismatchException($"{op}: shapes {Shape.Format(a._shape)} and {Shape.Format(b._shape)} do not broadcast.");
    }

    /// <summary>Elementwise sum with broadcasting (<c>a + b</c>).</summary>
    public Tensor Add(Tensor other) => AddOp.Apply(this, other);
    internal static readonly BinaryOp AddOp = new("Add", "AddBackward0", BinaryKernel.Add,
        self: (Saves.None, static (g, _) => g),
        other: (Saves.None, static (g, _) => g));

    /// <summary>Elementwise difference with broadcasting (<c>a - b</c>).</summary>
    public Tensor Sub(Tensor other) => SubOp.Apply(this, other);
    internal static readonly BinaryOp SubOp = new("Sub", "SubBackward0", BinaryKernel.Sub,
        self: (Saves.None, static (g, _) => g),
        other: (Saves.None, static (g, _) => -g));

    /// <summary>Elementwise product with broadcasting (<c>a * b</c>).</summary>
    public Tensor Mul(Tensor other) => MulOp.Apply(this, other);
    internal static readonly BinaryOp MulOp = new("Mul", "MulBackward0", BinaryKernel.Mul,
        self: (Saves.Other, static (g, s) => g * s.Other),
        other: (Saves.Self, static (g, s) => g * s.Self));

    /// <summary>Elementwise quotient with broadcasting (<c>a / b</c>).</summary>
    public Tensor Div(Tensor other) => DivOp.Apply(this, other);
    internal static readonly BinaryOp DivOp = new("Div", "DivBackward0", BinaryKernel.Div,
        self: (Saves.Other, static (g, s) => g / s.Other),
        other: (Saves.Self | Saves.Other, static (g, s) => -g * s.Self / (s.Other * s.Other)));

    /// <summary>Elementwise power with a tensor exponent, broadcast (<c>a ** b</c>). The base's gradient is
    /// <c>b * a**(b-1)</c>, taken as 0 where b = 0; the exponent's is <c>a**b * log(a)</c>, taken as 0 where a = 0 and
    /// b ≥ 0 (as PyTorch does).</summary>
    public Tensor Pow(Tensor exponent,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        PowTensorOp.Apply(this, exponent, new CallSite(callerFile, callerLine, callerMember));
    internal static readonly BinaryOp PowTensorOp = new("Pow", "PowBackward1", BinaryKernel.Pow,
        // PyTorch's pow_backward_self: 0 where e == 0, else x = 0 would give 0 * 0 ** -1 = NaN.
        self: (Saves.Self | Saves.Other, static (g, s) =>
            (g * s.Other * s.Self.Pow(s.Other - 1f)).MaskedFill(s.Other.Backend.Compare(s.Other, 0, CompareKernel.Eq).Expand(g._shape), 0f)),
        // PyTorch's pow_backward_exponent: 0 where x == 0 and e >= 0 (the limit of x ** e * log x).
        other: (Saves.Self | Saves.Other | Saves.Result, static (g, s) =>
        {
            Tensor x = s.Self, e = s.Other;
            var zeroBase = x.Backend.Binary(x.Backend.Compare(x, 0, CompareKernel.Eq), e.Backend.Compare(e, 0, CompareKernel.Ge), BinaryKernel.Mul, s.Result._shape);
            return (g * s.Result * x.Log()).MaskedFill(zeroBase, 0f);
        }));

    /// <summary>Elementwise negation (<c>-a</c>).</summary>
    public Tensor Neg() => NegOp.Apply(this);
    internal static readonly UnaryOp NegOp = new("NegBackward0", static (x, _) => x.Backend.Unary(x, UnaryKernel.Neg), Saves.None, static (g, _) => -g);

    /// <summary>Elementwise power with a scalar exponent (<c>a ** p</c>).</summary>
    public Tensor Pow(float exponent,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "") =>
        PowOp.Apply(this, exponent, new CallSite(callerFile, callerLine, callerMember));
    internal static readonly UnaryOp PowOp = new("PowBackward0", static (x, p) => x.Backend.Scalar(x, p, BinaryKernel.Pow, scalarFirst: false),
        Saves.Self | Saves.Scalar, static (g, s) => s.Scalar == 0 ? ZerosLike(s.Self) : g * (s.Self.Pow((float)(s.Scalar - 1)) * (float)s.Scalar));

    /// <summary>F#'s <c>**</c> operator with a scalar exponent (<c>x ** 2f</c>): the same op as <see cref="Pow(float, string, int, string)"/>,
    /// recorded as <c>PowBackward0</c>. F# resolves <c>**</c> to a static <c>Pow</c> taking exactly two arguments, which the
    /// instance method's caller-info parameters rule out; diagnostics name the site <c>**</c>.</summary>
    public static Tensor Pow(Tensor x, float exponent)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Pow(exponent, "", 0, "**");
    }

    /// <summary>F#'s <c>**</c> operator with a tensor exponent (<c>x ** y</c>): the same op as <see cref="Pow(Tensor, string, int, string)"/>,
    /// recorded as <c>PowBackward1</c>.</summary>
    public static Tensor Pow(Tensor x, Tensor exponent)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Pow(exponent, "", 0, "**");
    }

    /// <summary>Elementwise reciprocal (<c>1 / a</c>).</summary>
    public Tensor Reciprocal() => ReciprocalOp.Apply(this);
    internal static readonly UnaryOp ReciprocalOp = new("ReciprocalBackward0", static (x, _) => x.Backend.Scalar(x, 1, BinaryKernel.Div, scalarFirst: true),
        Saves.Result, static (g, s) => -g * s.Result * s.Result);

    // Tensor op scalar, as PyTorch records them: x + s and x - s save nothing; x * s and x / s keep s as a wrapped number.
    internal static readonly UnaryOp AddScalarOp = new("AddBackward0", static (x, c) => x.Backend.Scalar(x, c, BinaryKernel.Add, false), Saves.None, static (g, _) => g);
    internal static readonly UnaryOp SubScalarOp = new("SubBackward0", static (x, c) => x.Backend.Scalar(x, c, BinaryKernel.Sub, false), Saves.None, static (g, _) => g);
    internal static readonly UnaryOp RsubScalarOp = new("RsubBackward1", static (x, c) => x.Backend.Scalar(x, c, BinaryKernel.Sub, true), Saves.None, static (g, _) => -g);
    internal static readonly UnaryOp MulScalarOp = new("MulBackward0", static (x, c) => x.Backend.Scalar(x, c, BinaryKernel.Mul, false), Saves.Scalar, static (g, s) => g * (float)s.Scalar);
    internal static readonly UnaryOp DivScalarOp = new("DivBackward0", static (x, c) => x.Backend.Scalar(x, c, BinaryKernel.Div, false), Saves.Scalar, static (g, s) => g / (float)s.Scalar);

    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, float s) => AddScalarOp.Apply(a, s);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(float s, Tensor a) => AddScalarOp.Apply(a, s);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, float s) => SubScalarOp.Apply(a, s);
    /// <summary>Subtracts from a scalar (PyTorch's rsub).</summary>
    public static Tensor operator -(float s, Tensor a) => RsubScalarOp.Apply(a, s);
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, float s) => MulScalarOp.Apply(a, s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(float s, Tensor a) => MulScalarOp.Apply(a, s);
    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, float s) => DivScalarOp.Apply(a, s);
    /// <summary>Divides a scalar by each element: <c>s * a.Reciprocal()</c>, as PyTorch records it.</summary>
    public static Tensor operator /(float s, Tensor a) => MulScalarOp.Apply(a.Reciprocal(), s);
    /// <summary>Elementwise negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
}
