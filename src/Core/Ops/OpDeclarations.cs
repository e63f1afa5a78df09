namespace Functional;

// Note [Op Declarations]
// An elementwise op is one declaration, written next to its public method: the grad_fn name PyTorch prints, the
// forward (backend kernels: the op runs on whatever device its input lives), and one derivative per input written
// with Tensor ops over *named* saved values (derivatives.yaml's `self`, `other`, `result`), each with what it reads.
// From that one declaration come:
//   - the out-of-place op (Apply): it records a node only when some input requires grad (Graph.Record), and saves
//     only what the derivatives of the inputs that require grad read (PyTorch's codegen does the same), so `x * c`
//     with a constant c saves c and not x;
//   - the in-place twin (ApplyInPlace: Relu_, Mul_, ...): the same forward and the same rule, recorded through the
//     supersession machinery (Note [In-place Ops and Supersession]); a saved `self` becomes a copy of the value
//     before the write and a saved `result` is the written tensor. The twins cannot drift from their ops.
// Ops with more structure (reductions, views, products, losses) record with Graph.Record and read the same named
// saved values (SavedValues.Self/Other/Result). Adding an elementwise op is one declaration here plus one row in the
// tests' op table (tests/OpCases).

/// <summary>What a declared op's derivatives read (derivatives.yaml's names).</summary>
[Flags]
internal enum Saves
{
    /// <summary>Nothing: the derivative is a function of the gradient alone (add, neg).</summary>
    None = 0,
    /// <summary>The first input (<c>self</c>).</summary>
    Self = 1,
    /// <summary>The second input (<c>other</c>).</summary>
    Other = 2,
    /// <summary>The op's output (<c>result</c>).</summary>
    Result = 4,
    /// <summary>The scalar argument, kept as PyTorch keeps a wrapped number: the node then holds saved state, so a
    /// second backward without retainGraph fails, as it does in PyTorch (<c>x * 3</c>).</summary>
    Scalar = 8,
}

/// <summary>One input's gradient from the output's gradient <paramref name="grad"/> and the saved values, written with
/// Tensor ops (so createGraph differentiates it again). Returns the gradient in the output's shape; the engine sums it
/// back to a broadcast input's shape.</summary>
internal delegate Tensor Derivative(Tensor grad, SavedValues saved);

/// <summary>A declared elementwise op of one tensor and, optionally, a scalar (see Note [Op Declarations]).</summary>
/// <param name="node">The grad_fn name, e.g. <c>ExpBackward0</c>.</param>
/// <param name="forward">The value, from backend kernels: <c>(self, scalar) =&gt; result</c> (a fresh tensor).</param>
/// <param name="saves">What <paramref name="self"/> reads.</param>
/// <param name="self">The derivative with respect to the tensor.</param>
internal sealed class UnaryOp(string node, Func<Tensor, double, Tensor> forward, Saves saves, Derivative self)
{
    private readonly BackwardRule _rule = (g, s) => [self(g, s)];

    /// <summary>The grad_fn name.</summary>
    public string Node { get; } = node;

    /// <summary><c>op(x)</c> (or <c>op(x, scalar)</c>), recorded when <paramref name="x"/> requires grad.</summary>
    public Tensor Apply(Tensor x, double scalar = 0, CallSite site = default) =>
        Graph.Record(forward(x, scalar), Node, [x], _rule,
                     save: (saves & Saves.Self) != 0 && x.RequiresGrad ? [x] : null,
                     saveOutput: (saves & Saves.Result) != 0, scalar: (saves & Saves.Scalar) != 0 ? scalar : null, site);

    /// <summary>The in-place twin: writes <c>op(x)</c> into <paramref name="x"/> as the tracked in-place op
    /// <paramref name="op"/> (e.g. <c>Relu_</c>) and returns the handle to use from now on.</summary>
    public Tensor ApplyInPlace(Tensor x, string op, double scalar, CallSite site) =>
        x.InPlace(op, site, Node, forward(x, scalar), [x], _rule,
                  save: (saves & Saves.Self) != 0 ? [x] : null,
                  saveOutput: (saves & Saves.Result) != 0, scalar: (saves & Saves.Scalar) != 0 ? scalar : null);
}

/// <summary>A declared elementwise op of two tensors with broadcasting, computed by one binary kernel (see Note [Op
/// Declarations]).</summary>
internal sealed class BinaryOp
{
    private readonly BackwardRule _rule;
    private readonly BinaryKernel _kernel;
    private readonly Saves _selfSaves, _otherSaves;
    private readonly Derivative _self, _other;

    /// <param name="name">The op's name in messages (<c>Add</c>).</param>
    /// <param name="node">The grad_fn name (<c>AddBackward0</c>).</param>
    /// <param name="kernel">The backend kernel that computes the value.</param>
    /// <param name="self">What the derivative with respect to the first input reads, and that derivative.</param>
    /// <param name="other">The same for the second input.</param>
    public BinaryOp(string name, string node, BinaryKernel kernel, (Saves Saves, Derivative Rule) self, (Saves Saves, Derivative Rule) other)
    {
        Name = name;
        Node = node;
        _kernel = kernel;
        (_selfSaves, _self, _otherSaves, _other) = (self.Saves, self.Rule, other.Saves, other.Rule);
        _rule = Rule(alpha: 1);
    }

    /// <summary>The backward rule of <c>op(a, alpha * b)</c>: each input's derivative where it needs a gradient, the second
    /// one scaled by alpha.</summary>
    private BackwardRule Rule(float alpha)
    {
        Derivative d0 = _self, d1 = _other;
        return alpha == 1
            ? (g, s) => [s.NeedsGrad(0) ? d0(g, s) : null, s.NeedsGrad(1) ? d1(g, s) : null]
            : (g, s) => [s.NeedsGrad(0) ? d0(g, s) : null, s.NeedsGrad(1) ? d1(g, s) * alpha : null];
    }

    /// <summary>The op's name in messages.</summary>
    public string Name { get; }

    /// <summary>The grad_fn name.</summary>
    public string Node { get; }

    /// <summary><c>op(a, b)</c> broadcast, recorded when either requires grad.</summary>
    public Tensor Apply(Tensor a, Tensor b, CallSite site = default)
    {
        var shape = Tensor.PrepareBinary(ref a, ref b, Name);
        var result = a.Backend.Binary(a, b, _kernel, shape);
        var needs = Needs(a, b);
        return Graph.Record(result, Node, [a, b], _rule, Saved(needs, a, b), saveOutput: (needs & Saves.Result) != 0, site: site);
    }

    /// <summary>The in-place twin: writes <c>op(x, alpha * other)</c> into <paramref name="x"/> as the tracked in-place op
    /// <paramref name="op"/> (<c>Add_</c>, ...); <paramref name="other"/> must broadcast to x's shape. With alpha ≠ 1
    /// (add_/sub_'s <c>alpha</c>) the second input's gradient is scaled by alpha; only ops whose derivatives read
    /// nothing take an alpha.</summary>
    public Tensor ApplyInPlace(Tensor x, Tensor other, float alpha, string op, CallSite site)
    {
        var o = x.Operand(other, op);
        var b = alpha == 1 ? o : o.Backend.Scalar(o, alpha, BinaryKernel.Mul, false);
        var value = x.Backend.Binary(x, b, _kernel, x._shape);
        var needs = Needs(x, o);
        if (alpha != 1 && (_selfSaves != Saves.None || _otherSaves != Saves.None))
            throw new InvalidOperationException($"{op}: alpha is only defined for ops whose derivatives read nothing.");
        return x.InPlace(op, site, Node, value, [x, o], alpha == 1 ? _rule : Rule(alpha), Saved(needs, x, o),
                         saveOutput: (needs & Saves.Result) != 0);
    }

    /// <summary>What the derivatives of the inputs that require grad read.</summary>
    private Saves Needs(Tensor a, Tensor b) => (a.RequiresGrad ? _selfSaves : Saves.None) | (b.RequiresGrad ? _otherSaves : Saves.None);

    private static Tensor?[]? Saved(Saves needs, Tensor a, Tensor b) =>
        (needs & (Saves.Self | Saves.Other)) == 0 ? null
            : [(needs & Saves.Self) != 0 ? a : null, (needs & Saves.Other) != 0 ? b : null];
}
