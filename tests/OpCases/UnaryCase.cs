using static Functional.OpCases.Operands;

namespace Functional.OpCases;

/// <summary>Which list of the table a one-operand row is in (the tests keep one theory per list).</summary>
public enum UnaryGroup
{
    /// <summary>Pointwise math and activations: neg, exp, relu, ...</summary>
    Pointwise,
    /// <summary>x ** p with a float exponent p, one row per p.</summary>
    ScalarPower,
    /// <summary>A tensor and a float scalar, either side: t + s, s - t, ...</summary>
    TensorScalar,
}

/// <summary>
/// A row of the op table for an op of one tensor operand (see OpTable.cs for what each column drives).
/// </summary>
public sealed class UnaryCase
{
    /// <summary>A row; <paramref name="forms"/> lists the public entry points, the first being the one the tests call.</summary>
    public UnaryCase(string name, UnaryGroup group, UnaryForm[] forms, string gradFn, Domain domain, string format,
        SpecialPoint[]? specialPoints = null, double[]? kinks = null, UnaryForm? inPlace = null, Transform? total = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(forms);
        if (forms.Length == 0) throw new ArgumentException($"{name}: a row needs at least one form.", nameof(forms));
        ArgumentException.ThrowIfNullOrWhiteSpace(gradFn);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(format);
        Name = name; Group = group; Forms = forms; GradFn = gradFn; Domain = domain; Format = format;
        SpecialPoints = specialPoints ?? []; Kinks = kinks ?? []; InPlace = inPlace; Total = total;
    }

    /// <summary>The row's short name ("exp", "pow 0.5", "t+s"): test display names and lookups.</summary>
    public string Name { get; }

    /// <summary>Which list of the table the row is in.</summary>
    public UnaryGroup Group { get; }

    /// <summary>Every public entry point of the op; <see cref="Apply"/> is the first.</summary>
    public UnaryForm[] Forms { get; }

    /// <summary>The op, as the tests call it.</summary>
    public Func<Tensor, Tensor> Apply => Forms[0].Apply;

    /// <summary>The grad_fn name of its result, as PyTorch prints it.</summary>
    public string GradFn { get; }

    /// <summary>Where the op is smooth: gradcheck inputs are drawn from it.</summary>
    public Domain Domain { get; }

    /// <summary>Points checked one by one (0, negatives, poles, kinks): see <see cref="SpecialPoint"/>.</summary>
    public SpecialPoint[] SpecialPoints { get; }

    /// <summary>Where the op is continuous but not differentiable (relu and abs at 0): each must also be an exact special
    /// point, and the F# laws skip a finite difference whose step crosses one.</summary>
    public double[] Kinks { get; }

    /// <summary>The in-place twin (<c>Relu_</c>, <c>Add_(s)</c>), if the op has one: same value, same gradients.</summary>
    public UnaryForm? InPlace { get; }

    /// <summary>For the F# generators: maps any real operand into the domain (null: the op is total and tame as it is).</summary>
    public Transform? Total { get; }

    /// <summary>The printed form around the operand (<c>{0}</c>): "exp({0})", "({0} + 2.5)".</summary>
    public string Format { get; }

    /// <summary>The op after <see cref="Total"/>: defined and bounded for every real operand.</summary>
    public Tensor ApplyTotal(Tensor x) => Apply(Total is null ? x : Total.Apply(x));

    /// <summary>The printed form of <see cref="ApplyTotal"/> on <paramref name="arg"/>, e.g. "log(x0²+1)".</summary>
    public string Show(string arg) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, Format, Total is null ? arg : Total.Show(arg));

    /// <summary>
    /// The calls that must fail and change nothing: every form on an Int64 operand (every elementwise op here needs a
    /// floating dtype); for the in-place twin, a leaf or a view of a leaf that requires grad, an expanded receiver, a
    /// superseded receiver and an Int64 receiver.
    /// </summary>
    public IEnumerable<BadInput> BadInputs
    {
        get
        {
            foreach (var form in Forms)
            {
                var f = form.Apply;
                yield return new(form.Member, $"{Name} of an Int64 operand", typeof(DTypeMismatchException), () => [L(3)], t => f(t[0]), _ => ["Int64", "[3]"]);
            }
            if (InPlace is not { } twin) yield break;
            var g = twin.Apply;
            yield return new(twin.Member, $"{Name} in place: leaf that requires grad", typeof(LeafInPlaceException), () => [F(2, 2)], t => g(t[0]), _ => ["leaf"]);
            yield return new(twin.Member, $"{Name} in place: view of a leaf that requires grad", typeof(LeafInPlaceException),
                () => { var x = F(4); return [x.Slice(0, 0, 2), x]; }, t => g(t[0]), _ => ["view"]);
            yield return new(twin.Member, $"{Name} in place: expanded receiver", typeof(ArgumentException), () => [P(1).Expand(3)], t => g(t[0]), _ => ["memory location"]);
            yield return new(twin.Member, $"{Name} in place: superseded receiver", typeof(SupersededTensorException), () =>
            {
                var x = F(3); var h = P(3); var h2 = h.Add_(x);   // h is superseded by h2
                return [h, x, h2];
            }, t => g(t[0]), _ => ["superseded"]);
            yield return new(twin.Member, $"{Name} in place: Int64 receiver", typeof(DTypeMismatchException), () => [L(3)], t => g(t[0]), _ => ["Int64"]);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
