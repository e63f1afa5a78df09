using static Functional.OpCases.Operands;

namespace Functional.OpCases;

/// <summary>
/// A row of the op table for an op of two tensors, broadcast (see OpTable.cs for what each column drives).
/// </summary>
public sealed class BinaryCase
{
    /// <summary>A row; <paramref name="forms"/> lists the public entry points, the first being the one the tests call.</summary>
    public BinaryCase(string name, BinaryForm[] forms, string gradFn, Domain domainA, Domain domainB, string format,
        string operandName = "other", SpecialPoint[]? specialPoints = null, BinaryForm? inPlace = null,
        Transform? totalA = null, Transform? totalB = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(forms);
        if (forms.Length == 0) throw new ArgumentException($"{name}: a row needs at least one form.", nameof(forms));
        ArgumentException.ThrowIfNullOrWhiteSpace(gradFn);
        ArgumentNullException.ThrowIfNull(domainA);
        ArgumentNullException.ThrowIfNull(domainB);
        ArgumentException.ThrowIfNullOrWhiteSpace(format);
        Name = name; Forms = forms; GradFn = gradFn; DomainA = domainA; DomainB = domainB; Format = format;
        OperandName = operandName; SpecialPoints = specialPoints ?? []; InPlace = inPlace; TotalA = totalA; TotalB = totalB;
    }

    /// <summary>The row's short name ("add", "pow").</summary>
    public string Name { get; }

    /// <summary>Every public entry point of the op; <see cref="Apply"/> is the first.</summary>
    public BinaryForm[] Forms { get; }

    /// <summary>The op, as the tests call it.</summary>
    public Func<Tensor, Tensor, Tensor> Apply => Forms[0].Apply;

    /// <summary>The grad_fn name of its result, as PyTorch prints it.</summary>
    public string GradFn { get; }

    /// <summary>Where the op is smooth in its first operand.</summary>
    public Domain DomainA { get; }

    /// <summary>Where the op is smooth in its second operand.</summary>
    public Domain DomainB { get; }

    /// <summary>The parameter name an ArgumentNullException for a null second operand names ("other", "exponent").</summary>
    public string OperandName { get; }

    /// <summary>Points (a, b) checked one by one: see <see cref="SpecialPoint"/>.</summary>
    public SpecialPoint[] SpecialPoints { get; }

    /// <summary>The in-place twin (<c>Add_</c>), if the op has one: the receiver is the first operand.</summary>
    public BinaryForm? InPlace { get; }

    /// <summary>For the F# generators: maps any real first operand into <see cref="DomainA"/> (null: none needed).</summary>
    public Transform? TotalA { get; }

    /// <summary>For the F# generators: maps any real second operand into <see cref="DomainB"/> (null: none needed).</summary>
    public Transform? TotalB { get; }

    /// <summary>The printed form around the operands (<c>{0}</c>, <c>{1}</c>): "div({0}, {1})".</summary>
    public string Format { get; }

    /// <summary>The op after <see cref="TotalA"/> and <see cref="TotalB"/>: defined and bounded for all real operands.</summary>
    public Tensor ApplyTotal(Tensor a, Tensor b) => Apply(TotalA is null ? a : TotalA.Apply(a), TotalB is null ? b : TotalB.Apply(b));

    /// <summary>The printed form of <see cref="ApplyTotal"/>, e.g. "div(x0, x1²+1)".</summary>
    public string Show(string a, string b) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, Format, TotalA is null ? a : TotalA.Show(a), TotalB is null ? b : TotalB.Show(b));

    /// <summary>
    /// The calls that must fail and change nothing: for every form, shapes that do not broadcast, mixed dtypes and a
    /// null operand; for the in-place twin, operands that do not broadcast to the receiver, a receiver that is a leaf
    /// (or a view of one) requiring grad, expanded, superseded or Int64, and a null operand.
    /// </summary>
    public IEnumerable<BadInput> BadInputs
    {
        get
        {
            static string S(Tensor t) => "[" + string.Join(", ", t.Shape.ToArray()) + "]";
            static string[] Shapes(Tensor[] ts) => ts.Select(S).ToArray();
            static string[] DTypes(Tensor[] ts) => ts.Select(t => t.DType.ToString()).Distinct().ToArray();
            var operand = OperandName;
            foreach (var form in Forms)
            {
                var f = form.Apply;
                yield return new(form.Member, $"{Name}: [2, 3] with [4]", typeof(ShapeMismatchException), () => [F(2, 3), F(4)], t => f(t[0], t[1]), Shapes);
                yield return new(form.Member, $"{Name}: [2, 3] with [3, 2]", typeof(ShapeMismatchException), () => [N(2, 3), P(3, 2)], t => f(t[0], t[1]), Shapes);
                yield return new(form.Member, $"{Name}: Float32 with Int64", typeof(DTypeMismatchException), () => [F(3), L(3)], t => f(t[0], t[1]), DTypes);
                yield return new(form.Member, $"{Name}: Float32 with Float64", typeof(DTypeMismatchException), () => [F(3), D(3)], t => f(t[0], t[1]), DTypes);
                yield return new(form.Member, $"{Name}: null operand", typeof(ArgumentNullException), () => [F(3)], t => f(t[0], null!), _ => [operand]);
            }
            if (InPlace is not { } twin) yield break;
            var g = twin.Apply;
            // Receivers that do not require grad, so only the bad operand stops the write.
            yield return new(twin.Member, $"{Name} in place: [3] receiver, [2, 3] operand (does not broadcast to the receiver)", typeof(ShapeMismatchException), () => [P(3), F(2, 3)], t => g(t[0], t[1]), Shapes);
            yield return new(twin.Member, $"{Name} in place: [2, 3] receiver, [4] operand", typeof(ShapeMismatchException), () => [P(2, 3), P(4)], t => g(t[0], t[1]), Shapes);
            yield return new(twin.Member, $"{Name} in place: non-leaf [2, 3] receiver, [2] operand", typeof(ShapeMismatchException), () => [N(2, 3), F(2)], t => g(t[0], t[1]), Shapes);
            yield return new(twin.Member, $"{Name} in place: leaf that requires grad", typeof(LeafInPlaceException), () => [F(3), P(3)], t => g(t[0], t[1]), _ => ["leaf"]);
            yield return new(twin.Member, $"{Name} in place: view of a leaf that requires grad", typeof(LeafInPlaceException),
                () => { var x = F(4); return [x.Slice(0, 0, 2), P(2), x]; }, t => g(t[0], t[1]), _ => ["view"]);
            yield return new(twin.Member, $"{Name} in place: null operand", typeof(ArgumentNullException), () => [P(3)], t => g(t[0], null!), _ => [operand]);
            yield return new(twin.Member, $"{Name} in place: superseded receiver", typeof(SupersededTensorException), () =>
            {
                var x = F(3); var h = P(3); var h2 = h.Add_(x);   // h is superseded by h2
                return [h, x, h2];
            }, t => g(t[0], t[1]), _ => ["superseded"]);
            yield return new(twin.Member, $"{Name} in place: expanded receiver", typeof(ArgumentException), () => [P(1).Expand(3), P(3)], t => g(t[0], t[1]), _ => ["memory location"]);
            yield return new(twin.Member, $"{Name} in place: Int64 receiver, Float32 operand that requires grad", typeof(DTypeMismatchException), () => [L(3), F(3)], t => g(t[0], t[1]), _ => ["Int64"]);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
