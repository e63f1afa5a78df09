using System.Runtime.CompilerServices;

namespace Functional;

// + - * / (tensor and scalar, both sides), neg, pow, reciprocal: forward and backward side by side.
// Broadcasting: a rule returns the gradient in the output's shape; the engine sums it back to each input's shape.
public partial class Tensor
{
    /// <summary>Broadcast shapes and reconcile dtypes of a binary op's operands (a 0-d tensor adopts the other's dtype).</summary>
    private static int[] PrepareBinary(ref Tensor a, ref Tensor b, string op)
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
    public Tensor Add(Tensor other)
    {
        Tensor a = this, b = other;
        var shape = PrepareBinary(ref a, ref b, "Add");
        return Graph.Record(a.Backend.Binary(a, b, BinaryOp.Add, shape), "AddBackward0", [a, b], static (g, _) => [g, g]);
    }

    /// <summary>Elementwise difference with broadcasting (<c>a - b</c>).</summary>
    public Tensor Sub(Tensor other)
    {
        Tensor a = this, b = other;
        var shape = PrepareBinary(ref a, ref b, "Sub");
        return Graph.Record(a.Backend.Binary(a, b, BinaryOp.Sub, shape), "SubBackward0", [a, b], static (g, s) => [g, s.NeedsGrad(1) ? -g : null]);
    }

    /// <summary>Elementwise product with broadcasting (<c>a * b</c>).</summary>
    public Tensor Mul(Tensor other)
    {
        Tensor a = this, b = other;
        var shape = PrepareBinary(ref a, ref b, "Mul");
        return Graph.Record(a.Backend.Binary(a, b, BinaryOp.Mul, shape), "MulBackward0", [a, b],
            static (g, s) => [s.NeedsGrad(0) ? g * s[0] : null, s.NeedsGrad(1) ? g * s[1] : null],
            save: [a.RequiresGrad ? b : null, b.RequiresGrad ? a : null]);
    }

    /// <summary>Elementwise quotient with broadcasting (<c>a / b</c>).</summary>
    public Tensor Div(Tensor other)
    {
        Tensor a = this, b = other;
        var shape = PrepareBinary(ref a, ref b, "Div");
        return Graph.Record(a.Backend.Binary(a, b, BinaryOp.Div, shape), "DivBackward0", [a, b],
            static (g, s) => [s.NeedsGrad(0) ? g / s[0] : null, s.NeedsGrad(1) ? -g * s[1] / (s[0] * s[0]) : null],
            save: [b, b.RequiresGrad ? a : null]);
    }

    /// <summary>Elementwise negation (<c>-a</c>).</summary>
    public Tensor Neg() => Graph.Record(Backend.Unary(this, UnaryOp.Neg), "NegBackward0", [this], static (g, _) => [-g]);

    /// <summary>Elementwise power with a scalar exponent (<c>a ** p</c>).</summary>
    public Tensor Pow(float exponent,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        double p = exponent;
        return Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), Backend.Scalar(this, p, BinaryOp.Pow, scalarFirst: false), "PowBackward0", [this],
            static (g, s) => [s.Scalar == 0 ? ZerosLike(s[0]) : g * (s[0].Pow((float)(s.Scalar - 1)) * (float)s.Scalar)], save: [this], scalar: p);
    }

    /// <summary>Elementwise power with a tensor exponent, broadcast (<c>a ** b</c>). The base's gradient is
    /// <c>b * a**(b-1)</c>, taken as 0 where b = 0; the exponent's is <c>a**b * log(a)</c>, taken as 0 where a = 0 and
    /// b ≥ 0 (as PyTorch does).</summary>
    public Tensor Pow(Tensor exponent,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "")
    {
        Tensor a = this, b = exponent;
        var shape = PrepareBinary(ref a, ref b, "Pow");
        return Graph.RecordAt(new CallSite(callerFile, callerLine, callerMember), a.Backend.Binary(a, b, BinaryOp.Pow, shape), "PowBackward1", [a, b], static (g, s) =>
        {
            Tensor x = s[0], e = s[1];
            // PyTorch's pow_backward_self: 0 where e == 0, else x = 0 would give 0 * 0 ** -1 = NaN.
            Tensor? gx = s.NeedsGrad(0) ? (g * e * x.Pow(e - 1f)).MaskedFill(e.Backend.Compare(e, 0, CompareOp.Eq).Expand(g._shape), 0f) : null;
            Tensor? ge = null;
            if (s.NeedsGrad(1))
            {
                var zeroBase = x.Backend.Binary(x.Backend.Compare(x, 0, CompareOp.Eq), e.Backend.Compare(e, 0, CompareOp.Ge), BinaryOp.Mul, s.Output._shape);
                ge = (g * s.Output * x.Log()).MaskedFill(zeroBase, 0f);
            }
            return [gx, ge];
        }, save: [a, b], saveOutput: true);
    }

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
    public Tensor Reciprocal() =>
        Graph.Record(Backend.Scalar(this, 1, BinaryOp.Div, scalarFirst: true), "ReciprocalBackward0", [this],
            static (g, s) => [-g * s.Output * s.Output], saveOutput: true);

    private Tensor AddScalar(double s) =>
        Graph.Record(Backend.Scalar(this, s, BinaryOp.Add, false), "AddBackward0", [this], static (g, _) => [g]);

    private Tensor SubScalar(double s) =>
        Graph.Record(Backend.Scalar(this, s, BinaryOp.Sub, false), "SubBackward0", [this], static (g, _) => [g]);

    private Tensor RsubScalar(double s) =>
        Graph.Record(Backend.Scalar(this, s, BinaryOp.Sub, true), "RsubBackward1", [this], static (g, _) => [-g]);

    private Tensor MulScalar(double s) =>
        Graph.Record(Backend.Scalar(this, s, BinaryOp.Mul, false), "MulBackward0", [this], static (g, v) => [g * (float)v.Scalar], scalar: s);

    private Tensor DivScalar(double s) =>
        Graph.Record(Backend.Scalar(this, s, BinaryOp.Div, false), "DivBackward0", [this], static (g, v) => [g / (float)v.Scalar], scalar: s);

    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, float s) => a.AddScalar(s);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(float s, Tensor a) => a.AddScalar(s);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, float s) => a.SubScalar(s);
    /// <summary>Subtracts from a scalar (PyTorch's rsub).</summary>
    public static Tensor operator -(float s, Tensor a) => a.RsubScalar(s);
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, float s) => a.MulScalar(s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(float s, Tensor a) => a.MulScalar(s);
    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, float s) => a.DivScalar(s);
    /// <summary>Divides a scalar by each element: <c>s * a.Reciprocal()</c>, as PyTorch records it.</summary>
    public static Tensor operator /(float s, Tensor a) => a.Reciprocal().MulScalar(s);
    /// <summary>Elementwise negation.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();
}
